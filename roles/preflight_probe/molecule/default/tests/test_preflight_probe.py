"""testinfra checks of the preflight_probe component: files as the model
renders them, every probe slot running the probe's account and answering its
local control."""
from gbtt.checks.room_pc import check_preflight_probe


def test_preflight_probe(host):
    address = host.check_output("hostname -I").split()[0]
    check_preflight_probe(host, model_host="mcu-sip-01", lab=True, address=address)
