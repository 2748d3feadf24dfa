pub fn greeting() -> &'static str { "pam without libpam" }
