use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int};

extern "C" {
    fn cxx_summarize(text: *const c_char, out: *mut c_char, size: usize) -> c_int;
}

fn summarize(text: &str) -> (i32, String) {
    let input = CString::new(text).unwrap();
    let mut out = vec![0 as c_char; 128];
    let status = unsafe { cxx_summarize(input.as_ptr(), out.as_mut_ptr(), out.len()) };
    (status, unsafe { CStr::from_ptr(out.as_ptr()) }.to_string_lossy().into_owned())
}

fn main() {
    let (status, text) = summarize("static static musl static kernel musl");
    println!("c++ summary: {text} (status {status})");
    let (status, text) = summarize("   ");
    println!("c++ exception caught: {text} (status {status})");
}
