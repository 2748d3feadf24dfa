// An integration test reads what cargo gives it, as with `cargo test`.
#[test]
fn integration_test_sees_cargo_environment() {
    let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    if dir.exists() {
        assert!(dir.join("Cargo.toml").is_file());
        assert_eq!(std::env::current_dir().unwrap(), dir);
    }
    assert_eq!(std::env::var("CARGO_PKG_VERSION").unwrap(), "1.2.3-rc.1");
    assert_eq!(std::env::var("CARGO_PKG_AUTHORS").unwrap(), "Ada <ada@example.org>:Grace");
    assert!(std::env::var("CARGO_TARGET_TMPDIR").unwrap().ends_with("/tmp"));
    assert!(!std::env::var("CARGO").unwrap().is_empty());
}
