// akinai passkeys (first-party; WebAuthn in the browser, verified on the server): a form with
// data-passkey-get logs in with a passkey, a form with data-passkey-create adds one. The
// options come from the server in the attribute; the results go back in hidden fields and the
// form is submitted. Browsers without WebAuthn never see the forms (they stay hidden).
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) { return; }
  function b64u(buffer) {
    var bytes = new Uint8Array(buffer), s = "";
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function bytes(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }
  function ids(list) {
    return (list || []).map(function (c) { return { type: c.type, id: bytes(c.id) }; });
  }
  function set(form, name, value) {
    var input = form.querySelector("input[name=" + name + "]");
    if (input) { input.value = value; }
  }
  function failed(form) {
    var note = form.querySelector(".passkey-error");
    if (note) { note.hidden = false; }
  }
  function wire(form, attribute, ceremony) {
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-passkey-done")) { return; }
      event.preventDefault();
      var options = JSON.parse(form.getAttribute(attribute));
      ceremony(options).then(function () {
        form.setAttribute("data-passkey-done", "1");
        form.submit();
      }).catch(function () { failed(form); });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-passkey-get]"), function (form) {
    wire(form, "data-passkey-get", function (o) {
      o.challenge = bytes(o.challenge);
      o.allowCredentials = ids(o.allowCredentials);
      return navigator.credentials.get({ publicKey: o }).then(function (c) {
        set(form, "credential_id", b64u(c.rawId));
        set(form, "client_data", b64u(c.response.clientDataJSON));
        set(form, "authenticator_data", b64u(c.response.authenticatorData));
        set(form, "signature", b64u(c.response.signature));
        set(form, "user_handle", c.response.userHandle ? b64u(c.response.userHandle) : "");
      });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("form[data-passkey-create]"), function (form) {
    wire(form, "data-passkey-create", function (o) {
      o.challenge = bytes(o.challenge);
      o.user.id = bytes(o.user.id);
      o.excludeCredentials = ids(o.excludeCredentials);
      return navigator.credentials.create({ publicKey: o }).then(function (c) {
        set(form, "client_data", b64u(c.response.clientDataJSON));
        set(form, "attestation", b64u(c.response.attestationObject));
      });
    });
  });
})();
