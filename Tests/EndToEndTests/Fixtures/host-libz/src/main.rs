extern "C" { fn zlibVersion() -> *const std::os::raw::c_char; }
fn main() {
    let v = unsafe { std::ffi::CStr::from_ptr(zlibVersion()) };
    println!("zlib {}", v.to_string_lossy());
}
