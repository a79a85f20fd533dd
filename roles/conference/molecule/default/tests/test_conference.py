"""testinfra checks of the conference component: files as the model renders
them, Janus info through nginx TLS, admin API guarded by its secret, the
standing rooms present."""
from gbtt.checks.conference import check_conference


def test_conference(host):
    address = host.check_output("hostname -I").split()[0]
    check_conference(host, model_host="mcu-conf-01", lab=True, address=address)
