"""testinfra checks of the multipoint_bridge component."""
from gbtt.checks.multipoint_bridge import check_multipoint_bridge


def test_multipoint_bridge(host):
    address = host.check_output("hostname -I").split()[0]
    check_multipoint_bridge(host, model_host="mcu-bridge-01", lab=True, address=address)
