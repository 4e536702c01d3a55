"""The cluster's nginx config (deploy/nginx.conf.j2): nginx accepts it, and it routes only the
public surface."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.cluster.nginx import NginxFront


@pytest.fixture
def front(tmp_path: Path) -> NginxFront:
    return NginxFront("127.0.0.1", 18080, 18081, [15005, 15015], [15055, 15065],
                      tmp_path / "run", tmp_path / "log",
                      "https://www.jiangmen.gov.cn, HTTPS://Example.org/")


def test_nginx_accepts_the_rendered_config(front: NginxFront) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is not installed: run scripts/system-packages nginx")
    front.write()
    checked = subprocess.run([nginx, "-t", "-p", str(front.run_dir), "-c", str(front.config_path),
                              "-e", str(front.log_dir / "nginx-error.log")],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


def test_the_allow_list_and_upstreams_come_from_the_settings(front: NginxFront) -> None:
    config = front.render()
    assert '"https://www.jiangmen.gov.cn" 1;' in config and '"https://example.org" 1;' in config
    assert "server 127.0.0.1:15005 " in config and "server 127.0.0.1:15015 " in config
    assert "server 127.0.0.1:15065 " in config


def test_only_the_channels_and_the_widget_are_public(front: NginxFront) -> None:
    public = front.render().split("listen 127.0.0.1:18080;")[1].split("listen 127.0.0.1:18081;")[0]
    locations = [line.split("location", 1)[1].strip(" {")
                 for line in public.splitlines() if line.strip().startswith("location")]
    assert locations == ["= /webhooks/rest/webhook", "= /webhooks/wechat/webhook", "/socket.io/",
                         "/widget/", "/"]
    assert "return 404;" in public.split("location / {")[1]
    assert "client_max_body_size 64k;" in public


def test_the_private_port_takes_action_calls_with_the_whole_domain(front: NginxFront) -> None:
    private = front.render().split("listen 127.0.0.1:18081;")[1]
    assert "client_max_body_size 8m;" in private


def test_an_origin_that_could_break_the_config_is_refused(front: NginxFront) -> None:
    front.origins = 'https://a.org"; return 200; #'
    with pytest.raises(ValueError, match="not an origin"):
        front.render()
