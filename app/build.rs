fn main() {
    // Debug info lets UI tests find elements by their accessible labels
    // (Slint's ElementHandle API). It is kept in every build so the UI
    // compiles once, the same way, for the app and its tests.
    let config = slint_build::CompilerConfiguration::new().with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("ui/main.slint", config) {
        eprintln!("Slint UI does not compile: {e}");
        std::process::exit(1);
    }
}
