fn main() {
    println!("compose-lint");
}
