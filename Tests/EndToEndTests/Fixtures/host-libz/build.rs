// Deliberately wrong: links the host's glibc-built zlib, as a -sys crate without a
// musl build would. cargo-static must refuse and name this crate and the library.
fn main() {
    println!("cargo:rustc-link-search=native=/usr/lib/x86_64-linux-gnu");
    println!("cargo:rustc-link-lib=z");
}
