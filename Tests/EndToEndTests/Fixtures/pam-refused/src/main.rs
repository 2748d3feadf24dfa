use pam_sys as _;

fn main() {}
