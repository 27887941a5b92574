"""What the PDFs need is installed wherever Starmap is built: the image, CI, and `make run` where it can."""

from pathlib import Path

from django.conf import settings

from tests.test_compose import dockerfile

ROOT = Path(settings.BASE_DIR)
PDF_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-noto-cjk")


def test_the_image_installs_pango_and_an_ofl_cjk_font_before_the_python_packages():
    steps = dockerfile()
    runs = [i for i, (instruction, _args) in enumerate(steps) if instruction == "RUN"]
    apt = next(i for i in runs if "apt-get install" in steps[i][1])
    pip = next(i for i in runs if "pip install" in steps[i][1])

    assert all(package in steps[apt][1] for package in PDF_PACKAGES)
    assert apt < pip


def test_ci_and_make_run_install_them_and_make_run_never_fails_for_them():
    ci = (ROOT / ".ci" / "run").read_text()
    makefile = (ROOT / "Makefile").read_text()

    assert all(package in ci for package in PDF_PACKAGES)
    assert "run: pdf-deps demo" in makefile
    assert all(package in makefile for package in PDF_PACKAGES)
    assert "offered as CSV only" in makefile
