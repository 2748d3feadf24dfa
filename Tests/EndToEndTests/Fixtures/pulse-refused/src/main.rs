fn main() {
    let version = unsafe { std::ffi::CStr::from_ptr(libpulse_sys::pa_get_library_version()) };
    println!("{:?}", version);
}
