// Prints the variables cargo sets for `cargo run`, and the working directory.
fn main() {
    for name in ["CARGO", "CARGO_MANIFEST_DIR", "CARGO_MANIFEST_PATH", "CARGO_PKG_NAME", "CARGO_PKG_VERSION", "CARGO_PKG_VERSION_MAJOR",
                 "CARGO_PKG_VERSION_MINOR", "CARGO_PKG_VERSION_PATCH", "CARGO_PKG_VERSION_PRE", "CARGO_PKG_AUTHORS",
                 "CARGO_PKG_DESCRIPTION", "CARGO_PKG_HOMEPAGE", "CARGO_PKG_REPOSITORY", "CARGO_PKG_LICENSE",
                 "CARGO_PKG_RUST_VERSION", "CARGO_PKG_README", "CARGO_BIN_NAME", "CARGO_CRATE_NAME"] {
        println!("{}={}", name, std::env::var(name).unwrap_or_else(|_| "<unset>".into()));
    }
    println!("cwd={}", std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    // cargo runs unit tests in the package's directory, with CARGO_MANIFEST_DIR and CARGO_PKG_*.
    #[test]
    fn unit_test_sees_cargo_environment() {
        assert_eq!(std::env::var("CARGO_PKG_NAME").unwrap(), "cargo-env");
        assert_eq!(std::env::var("CARGO_PKG_VERSION_PRE").unwrap(), "rc.1");
        let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
        // Under --empty-root the host's directory does not exist inside the sandbox.
        if dir.exists() {
            assert_eq!(std::env::current_dir().unwrap(), dir);
        }
    }
}
