"""nginx in front of the cluster: the config rendered from deploy/nginx.conf.j2, and the process."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import jinja2

from bot.channels.origins import parse_origins
from bot.local_servers import LocalServerError
from bot.paths import REPO_ROOT
from bot.stack.server import Server

TEMPLATE = REPO_ROOT / "deploy" / "nginx.conf.j2"


@dataclass
class NginxFront:
    public_host: str
    public_port: int
    private_port: int
    rasa_ports: list[int]
    action_ports: list[int]
    run_dir: Path  # nginx's pid, temporary files and rendered config
    log_dir: Path
    origins: str  # ALLOWED_ORIGINS, as every server of the cluster gets it

    @property
    def config_path(self) -> Path:
        return self.run_dir / "nginx.conf"

    def render(self) -> str:
        template = jinja2.Template(TEMPLATE.read_text(encoding="utf-8"),
                                   undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
        return template.render(
            public_host=self.public_host, public_port=self.public_port,
            private_port=self.private_port, rasa_ports=self.rasa_ports,
            action_ports=self.action_ports, allowed_origins=sorted(parse_origins(self.origins)),
            run_dir=self.run_dir, log_dir=self.log_dir)

    def write(self) -> Path:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.render(), encoding="utf-8")
        return self.config_path

    def server(self) -> Server:
        """The nginx process (master in the foreground), once ``write`` has run."""
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise LocalServerError("nginx is not installed: run scripts/system-packages nginx")
        return Server("nginx", [binary, "-p", str(self.run_dir), "-c", str(self.config_path),
                                "-e", str(self.log_dir / "nginx-error.log")],
                      f"http://127.0.0.1:{self.private_port}/nginx-health",
                      self.log_dir / "nginx.log")
