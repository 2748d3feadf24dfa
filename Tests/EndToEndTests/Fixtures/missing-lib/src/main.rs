fn main() {
    nosuch_sys::touch();
}
