/* The book's model explorer: forward-folded model spectra against the IceCube 12-year data.
 *
 * Self-contained (no library, nothing loaded from elsewhere), so it works from file://.
 * Reads its data from <script type="application/json" id="explorer-data"> written by the
 * "Explore the models" chapter, and draws into <div id="explorer">.
 *
 * For each model and energy bin the chapter precomputed, on a grid of the model's shape
 * parameter, the folded expectation per unit amplitude A_l, and the exact variance of the
 * observed pseudo-spectrum as a quadratic in the amplitude, var_l = alpha_l amp^2 + beta_l amp + c_l
 * (Gaussian sky, noise included; lib/cranisotropy/explorer_grid.py).  The page shows mean = amp A_l + N_l and lognormal 68 % / 95 %
 * bands with that mean and variance (an approximation to the exact, skewed distribution).
 */
(function () {
  "use strict";
  const SVGNS = "http://www.w3.org/2000/svg";

  function el(tag, attrs, parent) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  function html(tag, attrs, parent, text) {
    const e = document.createElement(tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  function fmt(x) {
    if (!isFinite(x)) return "–";
    const e = Math.floor(Math.log10(Math.abs(x)));
    if (e >= -2 && e <= 3) return x.toPrecision(3);
    return (x / Math.pow(10, e)).toFixed(2) + "e" + e;
  }

  function quantiles(mean, variance, z) {
    // lognormal with the given mean and variance
    const s2 = Math.log(1 + variance / (mean * mean));
    const mu = Math.log(mean) - s2 / 2;
    const s = Math.sqrt(s2);
    return [Math.exp(mu - z * s), Math.exp(mu + z * s)];
  }

  function Explorer(root, data) {
    this.root = root;
    this.data = data;
    this.state = { energy: data.default_energy || 0, model: 0, shape: null, value: null };
    this.build();
    this.selectModel(0);
  }

  Explorer.prototype.build = function () {
    const d = this.data, self = this;
    const controls = html("div", { class: "explorer-controls" }, this.root);
    const erow = html("label", {}, controls, "Energy bin ");
    this.energySelect = html("select", { id: "explorer-energy" }, erow);
    d.energies.forEach(function (e, i) {
      const o = html("option", { value: i }, self.energySelect, e.label);
      if (i === self.state.energy) o.selected = true;
    });
    this.energySelect.addEventListener("change", function () {
      self.state.energy = +this.value; self.resetAmplitude(); self.draw();
    });
    const mrow = html("span", { class: "explorer-models" }, controls);
    d.models.forEach(function (m, i) {
      const lab = html("label", {}, mrow);
      const r = html("input", { type: "radio", name: "explorer-model", value: i, id: "explorer-model-" + m.key }, lab);
      if (i === 0) r.checked = true;
      lab.appendChild(document.createTextNode(" " + m.label + " "));
      r.addEventListener("change", function () { self.selectModel(+this.value); });
    });
    this.shapeRow = html("label", { class: "explorer-slider" }, controls);
    this.shapeLabel = html("span", {}, this.shapeRow);
    this.shapeSlider = html("input", { type: "range", id: "explorer-shape", min: 0, step: 1 }, this.shapeRow);
    this.shapeValue = html("output", {}, this.shapeRow);
    this.shapeSlider.addEventListener("input", function () {
      self.state.shape = +this.value; self.resetAmplitude(); self.draw();
    });
    this.ampRow = html("label", { class: "explorer-slider" }, controls);
    this.ampLabel = html("span", {}, this.ampRow);
    this.ampSlider = html("input", { type: "range", id: "explorer-amplitude", min: 0, max: 1000, step: 1 }, this.ampRow);
    this.ampValue = html("output", {}, this.ampRow);
    this.ampSlider.addEventListener("input", function () {
      const m = self.model(), a = m.amplitude;
      const t = +this.value / 1000;
      self.state.value = Math.exp(Math.log(a.min) + t * (Math.log(a.max) - Math.log(a.min)));
      self.draw();
    });
    const best = html("button", { type: "button", id: "explorer-best" }, controls, "best fit");
    best.addEventListener("click", function () { self.resetAmplitude(); self.draw(); });
    this.svg = el("svg", { viewBox: "0 0 720 430", width: "100%", role: "img", id: "explorer-plot" }, this.root);
    this.caption = html("p", { class: "explorer-caption" }, this.root);
  };

  Explorer.prototype.model = function () { return this.data.models[this.state.model]; };

  Explorer.prototype.selectModel = function (i) {
    this.state.model = i;
    const m = this.model();
    this.state.shape = m.shape.default;
    this.shapeLabel.textContent = m.shape.label + " ";
    this.shapeSlider.max = m.shape.values.length - 1;
    this.shapeSlider.value = this.state.shape;
    this.ampLabel.textContent = m.amplitude.label + " ";
    this.resetAmplitude();
    this.draw();
  };

  Explorer.prototype.resetAmplitude = function () {
    const m = this.model();
    this.state.value = m.amplitude.best[this.state.energy][this.state.shape];
  };

  Explorer.prototype.curves = function () {
    const m = this.model(), e = this.state.energy, k = this.state.shape;
    const f = m.folded[e][k], noise = this.data.noise[e], nvar = this.data.noise_var[e];
    const amp = Math.pow(this.state.value, m.amplitude.power);
    const out = { mean: [], lo68: [], hi68: [], lo95: [], hi95: [] };
    for (let i = 0; i < f.A.length; i++) {
      const mean = amp * f.A[i] + noise[i];
      const v = Math.max(f.alpha[i] * amp * amp + f.beta[i] * amp + nvar[i], 0);
      const q1 = quantiles(mean, v, 1.0), q2 = quantiles(mean, v, 1.96);
      out.mean.push(mean); out.lo68.push(q1[0]); out.hi68.push(q1[1]); out.lo95.push(q2[0]); out.hi95.push(q2[1]);
    }
    return out;
  };

  Explorer.prototype.draw = function () {
    const d = this.data, m = this.model(), e = d.energies[this.state.energy];
    const svg = this.svg;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const W = 720, H = 430, L = 70, R = 20, T = 15, B = 50;
    const ell = d.ell, c = this.curves();
    const ys = e.C.concat(c.hi95, c.lo95).filter(function (v) { return v > 0 && isFinite(v); });
    let ymin = Math.min.apply(null, ys), ymax = Math.max.apply(null, ys);
    ymin = Math.pow(10, Math.floor(Math.log10(ymin))); ymax = Math.pow(10, Math.ceil(Math.log10(ymax)));
    const x = function (l) { return L + (l - 0.5) / (ell[ell.length - 1] + 0.5) * (W - L - R); };
    const y = function (v) { return T + (Math.log10(ymax) - Math.log10(Math.max(v, ymin))) / (Math.log10(ymax) - Math.log10(ymin)) * (H - T - B); };
    // axes and grid
    for (let p = Math.log10(ymin); p <= Math.log10(ymax) + 1e-9; p++) {
      el("line", { x1: L, x2: W - R, y1: y(Math.pow(10, p)), y2: y(Math.pow(10, p)), stroke: "#ddd" }, svg);
      el("text", { x: L - 6, y: y(Math.pow(10, p)) + 4, "text-anchor": "end", "font-size": 12 }, svg).textContent = "1e" + p;
    }
    [1, 5, 10, 15, 20, 25, 30, 35, 40].forEach(function (l) {
      if (l > ell[ell.length - 1]) return;
      el("line", { x1: x(l), x2: x(l), y1: H - B, y2: H - B + 5, stroke: "#333" }, svg);
      el("text", { x: x(l), y: H - B + 18, "text-anchor": "middle", "font-size": 12 }, svg).textContent = l;
    });
    el("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "none", stroke: "#333" }, svg);
    el("text", { x: (L + W - R) / 2, y: H - 12, "text-anchor": "middle", "font-size": 13 }, svg).textContent = "multipole ℓ";
    const yl = el("text", { x: 16, y: (T + H - B) / 2, "text-anchor": "middle", "font-size": 13,
      transform: "rotate(-90 16 " + (T + H - B) / 2 + ")" }, svg);
    yl.textContent = "pseudo-power C̃ℓ";
    function band(lo, hi, fill, id) {
      let dstr = "";
      for (let i = 0; i < ell.length; i++) dstr += (i ? "L" : "M") + x(ell[i]).toFixed(1) + " " + y(hi[i]).toFixed(1);
      for (let i = ell.length - 1; i >= 0; i--) dstr += "L" + x(ell[i]).toFixed(1) + " " + y(lo[i]).toFixed(1);
      const p = el("path", { d: dstr + "Z", fill: fill, stroke: "none" }, svg);
      if (id) p.setAttribute("id", id);
    }
    // isotropic-noise bands of the data (1 and 2 sigma as digitised)
    band(e.noise_lo[1], e.noise_hi[1], "#eeeeee");
    band(e.noise_lo[0], e.noise_hi[0], "#dddddd");
    // the folded model
    band(c.lo95, c.hi95, "rgba(31,119,180,0.18)", "explorer-band95");
    band(c.lo68, c.hi68, "rgba(31,119,180,0.35)", "explorer-band68");
    let dm = "";
    for (let i = 0; i < ell.length; i++) dm += (i ? "L" : "M") + x(ell[i]).toFixed(1) + " " + y(c.mean[i]).toFixed(1);
    el("path", { d: dm, fill: "none", stroke: "#1f77b4", "stroke-width": 2, id: "explorer-curve" }, svg);
    // the data with their error bars
    for (let i = 0; i < ell.length; i++) {
      if (!(e.C[i] > 0)) continue;
      if (e.err_lo[i] > 0 && e.err_hi[i] > 0)
        el("line", { x1: x(ell[i]), x2: x(ell[i]), y1: y(e.err_lo[i]), y2: y(e.err_hi[i]), stroke: "#000" }, svg);
      el("circle", { cx: x(ell[i]), cy: y(e.C[i]), r: 3.2, fill: "#000" }, svg);
    }
    // legend
    const lg = [["#000", "IceCube 12 yr, " + e.label + " (digitised)"], ["#1f77b4", m.label + " folded: mean, 68 %, 95 %"],
                ["#cccccc", "isotropic noise, 1σ and 2σ (digitised)"]];
    lg.forEach(function (item, i) {
      el("rect", { x: W - R - 330, y: T + 10 + 18 * i, width: 14, height: 10, fill: item[0] }, svg);
      el("text", { x: W - R - 310, y: T + 19 + 18 * i, "font-size": 12 }, svg).textContent = item[1];
    });
    this.shapeValue.textContent = " " + m.shape.values[this.state.shape];
    this.ampValue.textContent = " " + fmt(this.state.value) + (m.amplitude.unit ? " " + m.amplitude.unit : "");
    const a = m.amplitude, t = (Math.log(this.state.value) - Math.log(a.min)) / (Math.log(a.max) - Math.log(a.min));
    this.ampSlider.value = Math.round(1000 * Math.min(Math.max(t, 0), 1));
    this.caption.textContent = m.note || "";
  };

  function start() {
    const root = document.getElementById("explorer");
    const src = document.getElementById("explorer-data");
    if (!root || !src) return;
    root.explorer = new Explorer(root, JSON.parse(src.textContent));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
