import subprocess
import sys


def test_gan_core_never_imports_ui_libraries():
    code = ("import sys, gan_core, gan_core.cli, gan_core.runtime.session, gan_core.trainer; "
            "bad = [m for m in ('streamlit', 'plotly') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
