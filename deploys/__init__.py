"""pyinfra deploys of gbtt: one packaged @deploy per component (mirroring
roles/), each applying the state gbtt's model computes (gbtt.desired)."""
