"""Protocol probes: small stdlib-only clients (SIP, ...) that speak to the
services for real.  Each module runs as a script too, so that a probe can be
piped to a lab or production host over SSH (`python3 - ARGS < probe.py`) and
talk from where the traffic would really come from (a bridge room)."""
