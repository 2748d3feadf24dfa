use std::ffi::CStr;
use std::hint::black_box;
use std::os::raw::{c_char, c_int, c_longlong, c_void};

extern "C" {
    fn probe_allocator() -> *const c_char;
    fn probe_owns(p: *const c_void) -> c_int;
    fn probe_thread_allocated() -> c_longlong;
    fn probe_c_malloc(n: usize) -> *mut c_void;
    fn probe_c_free(p: *mut c_void);
    fn probe_aligned_owned() -> c_int;
}

const SIZE: usize = 1 << 20;

fn main() {
    let name = unsafe { CStr::from_ptr(probe_allocator()) }.to_string_lossy().into_owned();
    println!("allocator: {name}");
    let before = unsafe { probe_thread_allocated() };
    let rust: Vec<u8> = black_box(vec![7u8; SIZE]);
    let after_rust = unsafe { probe_thread_allocated() };
    let c = unsafe { probe_c_malloc(SIZE) };
    let after_c = unsafe { probe_thread_allocated() };
    match name.as_str() {
        "mimalloc" => {
            println!("rust heap owned: {}", unsafe { probe_owns(rust.as_ptr() as *const c_void) } == 1);
            println!("c heap owned: {}", unsafe { probe_owns(c) } == 1);
        }
        "jemalloc" => {
            println!("rust heap owned: {}", after_rust - before >= SIZE as c_longlong);
            println!("c heap owned: {}", after_c - after_rust >= SIZE as c_longlong);
        }
        _ => println!("rust heap owned: n/a\nc heap owned: n/a"),
    }
    let aligned = unsafe { probe_aligned_owned() };
    println!("aligned owned: {}", if aligned < 0 { "n/a".to_string() } else { (aligned == 1).to_string() });
    // Many threads allocating and freeing across each other: the allocator must survive it.
    let handles: Vec<_> = (0..8)
        .map(|t| std::thread::spawn(move || (0..2000).map(|i| vec![t as u8; 1 + i % 700]).collect::<Vec<_>>()))
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap().iter().map(|v| v.len()).sum::<usize>()).sum();
    println!("threads allocated: {total}");
    unsafe { probe_c_free(c) };
}
