fn main() {
    // libedit's .pc file requires ncursesw: one probe gives both, as static archives.
    pkg_config::Config::new().statik(true).probe("libedit").expect("libedit for the target (cargo-static deps build libedit)");
}
