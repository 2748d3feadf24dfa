//! The smallest useful program: a greeting, and a panic on request (to see how each
//! std profile ends a panicking program).
fn main() {
    println!("Hello, world!");
    if std::env::args().nth(1).as_deref() == Some("panic") {
        panic!("asked to panic");
    }
}
