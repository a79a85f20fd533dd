"""testinfra checks of the linux_router component: files as the model
renders them, FRR running, the ACL and marking loaded, the HTB share."""
from gbtt.checks.linux_router import check_linux_router


def test_linux_router(host):
    address = host.check_output("hostname -I").split()[0]
    check_linux_router(host, model_host="r-an-lao", lab=True, address=address)
