import ArgumentParser
import CargoStaticCore
import Foundation

struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Build as `build` does, then write a FROM-scratch OCI image of the executables (no Docker, no daemon, no root).",
        discussion: """
        Writes DIR/oci (an OCI image layout) and DIR/image.tar (the same layout plus docker's manifest.json, for `podman load`, `docker load` and skopeo). The image holds the executables in /usr/local/bin, /etc/passwd and /etc/group with the user nonroot (65532), /tmp (1777) and, when the program does TLS, Debian's CA bundle at /etc/ssl/certs/ca-certificates.crt with SSL_CERT_FILE set. Several --target values give one multi-platform image index. The image's creation time is SOURCE_DATE_EPOCH, else the project's last git commit, else the time of its Cargo.toml/Cargo.lock: the same input gives the same digests. index.json names the image as --tag was written, so `skopeo inspect oci:DIR/oci:NAME` finds it.

        Examples:
          cargo-static image --release            hello:0.1.0 in target/image
          cargo-static image --release --tag ghcr.io/acme/hello:1.0 \\
              --target x86_64-unknown-linux-musl,aarch64-unknown-linux-musl
          podman load -i target/image/image.tar
          skopeo inspect oci:target/image/oci:hello:0.1.0
        """)

    @OptionGroup var options: BuildOptions

    @Option(help: ArgumentHelp("The image name: NAME[:TAG] (default: the package's name and version).", valueName: "name[:tag]"))
    var tag: String?

    @Option(help: ArgumentHelp("Where to write oci/ and image.tar (default: <cargo target dir>/image).", valueName: "dir"))
    var output: String?

    @Option(help: ArgumentHelp("The executable the container runs, when the build makes several.", valueName: "name"))
    var entrypoint: String?

    @Flag(inversion: .prefixedNo, help: "Put Debian's CA bundle in the image and set SSL_CERT_FILE (default: only when the program does TLS).")
    var caCertificates: Bool?

    @Option(name: .customLong("ca-bundle"), help: ArgumentHelp("The PEM CA bundle to put in the image (implies --ca-certificates; default: Debian's /etc/ssl/certs/ca-certificates.crt).", valueName: "file"))
    var caBundle: String?

    // Not --sbom: that is the build's own option (the <exe>.cdx.json format).
    @Option(name: .customLong("attach-sbom"), help: ArgumentHelp("An SPDX or CycloneDX JSON document to attach to each platform's manifest as an OCI 1.1 referrer.", valueName: "file"))
    var sbom: String?

    @Option(name: .customLong("label"), help: ArgumentHelp("An extra config label (repeatable); overrides the ones read from Cargo.toml and git.", valueName: "key=value"))
    var labels: [String] = []

    @Flag(help: "Print what would run (like `plan`), the image step included, and build nothing; with --json, the plan as JSON.")
    var dryRun = false

    func run() throws {
        var build = try options.request(.build)
        build.image = ImageRequest(tag: tag, output: output, entrypoint: entrypoint, caCertificates: caCertificates,
                                   caBundle: caBundle, sbom: sbom, labels: try ImageRequest.parseLabels(labels))
        try execute(options.session(build), json: options.json) { session in
            if dryRun { return try BuildCommands.printPlan(try BuildCommands.plan(build, session), json: options.json) }
            let image = try BuildCommands.image(build, session)
            if options.json { print(try encodeJSON(image)); return }
            for p in image.platforms {
                session.reporter.info("\(p.platform): \(p.manifest)" + (p.sbomReferrer.map { " (SBOM referrer \($0))" } ?? ""))
            }
            session.reporter.info("image \(image.reference) \(image.digest)")
            print(image.layout)
            print(image.archive)
        }
    }
}
