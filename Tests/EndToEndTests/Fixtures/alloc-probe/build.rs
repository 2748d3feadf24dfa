fn main() {
    println!("cargo:rerun-if-changed=src/probe.c");
    cc::Build::new().file("src/probe.c").compile("probe");
}
