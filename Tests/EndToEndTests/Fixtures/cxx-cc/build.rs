fn main() {
    println!("cargo:rerun-if-changed=src/words.cpp");
    cc::Build::new().cpp(true).file("src/words.cpp").flag_if_supported("-std=c++17").compile("words");
}
