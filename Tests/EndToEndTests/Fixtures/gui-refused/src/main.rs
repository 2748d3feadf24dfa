fn main() {
    let display = unsafe { x11::xlib::XOpenDisplay(std::ptr::null()) };
    println!("{}", display.is_null());
}
