fn main() {
    let data = b"abc";
    let v = unsafe { xxhash_c_sys::XXH_versionNumber() };
    let h = unsafe { xxhash_c_sys::XXH64(data.as_ptr() as *const _, data.len(), 0) };
    println!("xxhash {}.{}.{}", v / 10000, v / 100 % 100, v % 100);
    println!("XXH64(abc) = {:016x}", h);
}
