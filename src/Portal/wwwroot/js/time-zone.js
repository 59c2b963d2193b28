// Tells the portal the browser's time zone (an IANA name such as Europe/Berlin) in a cookie, so the
// pages show times, and the forms read them, in the reader's own zone. The name is not secret; the
// portal checks it against the zones it knows and shows UTC without it (or without JavaScript).
(function () {
    "use strict";
    var zone;
    try {
        zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
        return;
    }

    if (!zone) {
        return;
    }

    var cookie = "sesphr.tz=" + encodeURIComponent(zone);
    if (document.cookie.split("; ").indexOf(cookie) < 0) {
        document.cookie = cookie + "; path=/; max-age=31536000; SameSite=Strict" + (window.isSecureContext ? "; Secure" : "");
    }
}());
