"""testinfra checks of the sip_registrar component: files as the model
renders them, Kamailio answering OPTIONS (UDP, TCP, TLS) and REGISTER."""
from gbtt.checks.sip_registrar import check_sip_registrar


def test_sip_registrar(host):
    address = host.check_output("hostname -I").split()[0]
    check_sip_registrar(host, model_host="mcu-sip-01", lab=True, address=address)
