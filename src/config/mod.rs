//! `fleetgate.yaml`.
