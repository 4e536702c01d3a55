"""`rasa data validate`, failing on its warnings too (Rasa only fails on errors).

Warnings Rasa cannot know are fine are listed in EXPECTED_WARNINGS with the reason; any other
warning fails the build, so a typo in a rule or an intent without examples cannot slip through.
"""

from __future__ import annotations

import re
import subprocess
import sys

# Responses that custom actions send (dispatcher.utter_message(response=...)); Rasa only looks
# for them in stories and rules.
EXPECTED_WARNINGS = [
    re.compile(r"The utterance 'utter_(out_of_scope|default|anything_else|noted|thank|greet)' is not used "
               r"in any story or rule"),
    # share_location only arrives as the payload /share_location{"latitude": …, "longitude": …}
    # from the widget and WeChat (contract 2); nobody types coordinates
    re.compile(r"The intent 'share_location' is listed in the domain file, but is not found in "
               r"the NLU training data"),
]
WARNING = re.compile(r"UserWarning: (.*)")


def main() -> int:
    command = [sys.executable, "-m", "rasa", "data", "validate", "--domain", "domain",
               "--data", "data", "--config", "config.yml"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    unexpected = [match.group(1) for match in WARNING.finditer(output)
                  if not any(allowed.search(match.group(1)) for allowed in EXPECTED_WARNINGS)]
    for warning in unexpected:
        print(f"warning: {warning}", file=sys.stderr)
    if result.returncode != 0:
        print(output[-4000:], file=sys.stderr)
        print("error: rasa data validate failed", file=sys.stderr)
        return 1
    if unexpected:
        print(f"error: {len(unexpected)} unexpected warning(s) from rasa data validate",
              file=sys.stderr)
        return 1
    print("rasa data validate: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
