"""testinfra checks of the room_pc component: files as the model renders
them, baresip running the room's account and answering its local control
(no registrar in this scenario: registration is proven in the lab)."""
from gbtt.checks.room_pc import check_room_pc


def test_room_pc(host):
    address = host.check_output("hostname -I").split()[0]
    check_room_pc(host, model_host="an-lao-pc", lab=True, address=address, registered=False)
