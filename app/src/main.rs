use std::process::ExitCode;

fn main() -> ExitCode {
    fieldcase_app::cli::main()
}
