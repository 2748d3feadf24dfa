fn main() {
    println!("{} {}", pam::greeting(), x11::greeting());
}
