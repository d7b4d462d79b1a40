"""Running `lecture` in-process in tests: exit code, stdout and stderr."""

from render.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
