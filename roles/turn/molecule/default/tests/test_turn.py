"""testinfra checks of the turn component: files as the model renders them,
coturn granting an allocation with a credential from the vault's secret and
refusing one from a wrong secret."""
from gbtt.checks.turn import check_turn


def test_turn(host):
    address = host.check_output("hostname -I").split()[0]
    check_turn(host, model_host="mcu-turn-01", lab=True, address=address)
