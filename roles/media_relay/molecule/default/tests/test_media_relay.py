"""testinfra checks of the media_relay component: files as the model renders
them, rtpengine answering ng ping and statistics."""
from gbtt.checks.media_relay import check_media_relay


def test_media_relay(host):
    address = host.check_output("hostname -I").split()[0]
    check_media_relay(host, model_host="mcu-relay-01", lab=True, address=address)
