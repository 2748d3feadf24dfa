pub fn greeting() -> &'static str { "x11 without libx11" }
