/* "Nearest service point": one line saying what the location is used for, then the browser's
 * geolocation. The coordinates go to the bot as the payload of the team's contract 2, rounded
 * to about 100 m (enough to rank service points). Refused, unavailable or not on https: the bot's
 * region buttons instead. */

import { empty, h } from "./util.js";

const PRECISION = 3; // decimal places of a degree: about 100 m

export function locationPayload(coords) {
  const round = (value) => Number(value.toFixed(PRECISION));
  return "/share_location" + JSON.stringify({ latitude: round(coords.latitude), longitude: round(coords.longitude) });
}

/* returnFocus gets the focus back when the consent line goes away under it. */
export function offerLocation(panel, strings, returnFocus, { share, regions }) {
  if (!navigator.geolocation || !window.isSecureContext) {
    regions(false);
    return;
  }
  const close = () => {
    if (panel.contains(document.activeElement)) {
      returnFocus.focus();
    }
    panel.hidden = true;
    empty(panel);
  };
  const ask = () => {
    close();
    navigator.geolocation.getCurrentPosition(
      (position) => share(locationPayload(position.coords)),
      () => regions(true),
      { enableHighAccuracy: false, timeout: 20000, maximumAge: 300000 });
  };
  empty(panel);
  panel.append(
    h("p", {}, strings.location_consent),
    h("button", { type: "button", onclick: ask }, strings.share_location),
    h("button", { type: "button", onclick: () => { close(); regions(false); } }, strings.choose_region));
  panel.hidden = false;
}
