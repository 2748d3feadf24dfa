fn main() {
    panic!("could not find the system library `nosuchlib` (pkg-config found no nosuchlib.pc)");
}
