"""testinfra checks of the common component (shared with the lab tests)."""
from gbtt.checks.common import check_common


def test_common(host):
    check_common(host, model_host="mcu-sip-01", lab=True)
