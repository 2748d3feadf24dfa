fn main() {
    for module in ["libxml-2.0", "liblz4"] {
        pkg_config::Config::new().statik(true).probe(module).unwrap_or_else(|e| panic!("{module} for the target: {e}"));
    }
}
