fn main() -> std::process::ExitCode {
    fleetgate::cli::main()
}
