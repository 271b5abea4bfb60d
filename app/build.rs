fn main() {
    // Debug info lets UI tests find elements by their accessible labels
    // (Slint's ElementHandle API). It is kept in every build so the UI
    // compiles once, the same way, for the app and its tests. English texts
    // are bundled from translations/en (Chinese is the source language).
    let config = slint_build::CompilerConfiguration::new()
        .with_debug_info(true)
        .with_bundled_translations("translations")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None);
    println!("cargo:rerun-if-changed=translations");
    if let Err(e) = slint_build::compile_with_config("ui/main.slint", config) {
        eprintln!("Slint UI does not compile: {e}");
        std::process::exit(1);
    }
}
