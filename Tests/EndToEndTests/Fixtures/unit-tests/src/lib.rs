pub fn add(a: u64, b: u64) -> u64 { a + b }

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn adds() { assert_eq!(add(2, 3), 5); }
    #[test]
    fn unwinds_in_tests() {
        let r = std::panic::catch_unwind(|| panic!("inside a test"));
        assert!(r.is_err());
    }
    #[test]
    fn runs_in_static_binary() {
        assert!(std::env::args().next().is_some());
    }
}
