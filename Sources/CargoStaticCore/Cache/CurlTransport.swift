import Foundation

/// HTTP for the registry client through the `curl` command, run by the runner. Not
/// URLSession: FoundationNetworking links libcurl and its thirty shared libraries into every
/// start of the tool (about 6 ms of each no-op build and of each rustc wrapper call), for a
/// feature only `cache push` and `cache pull` use. curl also brings what users expect of an
/// HTTP client: the proxy variables, the system's CA bundle, redirects to blob storage.
///
/// Credentials never reach a command line (the runner records command lines, and `ps`
/// shows them): every request is a curl config file, mode 0600, in a private directory.
public struct CurlTransport {
    public struct Exchange {
        public var method: String
        public var url: String
        public var headers: [(name: String, value: String)]
        public var body: Data?

        public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: Data? = nil) {
            self.method = method; self.url = url; self.headers = headers; self.body = body
        }
    }

    public struct Response: Equatable {
        public let status: Int
        /// Names lowercased; of the last response when curl followed redirects.
        public let headers: [String: String]
        public let body: Data
    }

    /// Where one exchange's files go: the config, the body sent, the headers and body received.
    struct Files {
        let config, upload, headers, output: String
        init(in directory: String) {
            config = directory + "/request.conf"; upload = directory + "/upload"
            headers = directory + "/headers"; output = directory + "/body"
        }
    }

    let runner: Runner
    let scratch: String
    let timeoutSeconds: Int

    public init(runner: Runner, scratch: String, timeoutSeconds: Int = 300) {
        self.runner = runner; self.scratch = scratch; self.timeoutSeconds = timeoutSeconds
    }

    /// Sends one request; a failure to connect (curl's own exit status) throws, an HTTP
    /// error status is returned for the caller to judge.
    public func send(_ exchange: Exchange) throws -> Response {
        let files = Files(in: scratch)
        for leftover in [files.headers, files.output, files.upload] { unlink(leftover) }
        if let body = exchange.body { try FileSystem.write(body, to: files.upload, mode: 0o600) }
        try FileSystem.write(try Self.config(exchange, files: files, timeoutSeconds: timeoutSeconds), to: files.config, mode: 0o600)
        let result = try runner.capture(Command("curl", ["--config", files.config]))
        guard result.succeeded else { throw Failure(status: result.status, message: Self.errorText(result.output)) }
        let status = Int(result.output.trimmed().suffix(3)) ?? 0
        let headers = (try? String(contentsOfFile: files.headers, encoding: .utf8)).map(Self.lastHeaders) ?? [:]
        let body = FileManager.default.contents(atPath: files.output) ?? Data()
        return Response(status: status, headers: headers, body: body)
    }

    /// curl's own failure: no connection, TLS refused, a timeout.
    public struct Failure: Error, CustomStringConvertible {
        public let status: Int32
        public let message: String
        public var description: String { message.isEmpty ? "curl exited with status \(status)" : message }
    }

    /// curl's error lines, without the status code `write-out` printed after them.
    static func errorText(_ output: String) -> String {
        output.split(separator: "\n").map { $0.trimmingSpaces() }
            .filter { !$0.isEmpty && !($0.count == 3 && $0.allSatisfy(\.isNumber)) }.joined(separator: "; ")
    }

    /// The curl config for one exchange. Values are quoted (backslash and quote escaped);
    /// a value with a line break cannot be a header or a URL and is refused.
    static func config(_ exchange: Exchange, files: Files, timeoutSeconds: Int) throws -> String {
        var lines = ["silent", "show-error", "globoff", "location", "max-redirs = 10",
                     "max-time = \(timeoutSeconds)", "connect-timeout = 30",
                     "url = \(try quoted(exchange.url))",
                     "dump-header = \(try quoted(files.headers))", "output = \(try quoted(files.output))",
                     "write-out = \"%{http_code}\""]
        switch exchange.method {
        case "HEAD": lines.append("head")
        case "GET": break
        default: lines.append("request = \(try quoted(exchange.method))")
        }
        if exchange.body != nil {
            lines.append("data-binary = \(try quoted("@" + files.upload))")
        } else if exchange.method == "POST" || exchange.method == "PUT" {
            // An empty body with its length, as registries expect of an upload's start.
            lines.append("data-binary = \"\"")
        }
        var named = Set<String>()
        for header in exchange.headers {
            named.insert(header.name.lowercased())
            lines.append("header = \(try quoted("\(header.name): \(header.value)"))")
        }
        // curl adds a form Content-Type to a body; no header rather than a wrong one.
        if lines.contains(where: { $0.hasPrefix("data-binary") }), !named.contains("content-type") {
            lines.append("header = \"Content-Type:\"")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func quoted(_ value: String) throws -> String {
        guard !value.contains(where: { $0 == "\n" || $0 == "\r" }) else {
            throw CargoStaticError(.badInput, "an HTTP request value holds a line break: \(value.debugDescription)")
        }
        return "\"" + value.replacingEvery("\\", with: "\\\\").replacingEvery("\"", with: "\\\"") + "\""
    }

    /// The headers of the last response in curl's dump (one block per redirect followed).
    static func lastHeaders(_ dump: String) -> [String: String] {
        let blocks = dump.replacingEvery("\r\n", with: "\n")
            .components(separatedBy: "\n\n").filter { !$0.trimmed().isEmpty }
        guard let last = blocks.last else { return [:] }
        var headers: [String: String] = [:]
        for line in last.split(separator: "\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].trimmingSpaces().lowercased()] = line[line.index(after: colon)...].trimmingSpaces()
        }
        return headers
    }
}
