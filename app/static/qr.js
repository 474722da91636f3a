/* KIM-Lotse: a QR code encoder made in the page (no library from elsewhere, no request):
   byte mode, the smallest version 1–40 that holds the text, with error correction M
   where it fits in that version and L where not (a screen shows it undamaged), and the
   mask with the lowest penalty (ISO/IEC 18004). Used by the Personal Book to show its
   move code as a QR code on the phone itself.
   window.LotseQR.encode(text) -> {version, ecc, mask, size, modules[y][x]} or null (too long);
   window.LotseQR.svg(qr, label) -> an <svg> element with a quiet zone of 4 modules. */
(function () {
  "use strict";
  var ECC_PER_BLOCK = {
    L: [-1, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    M: [-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28]
  };
  var NUM_BLOCKS = {
    L: [-1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
    M: [-1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49]
  };
  var FORMAT_ECC = { L: 1, M: 0 };

  function rawModules(ver) {
    var n = (16 * ver + 128) * ver + 64;
    if (ver >= 2) {
      var align = Math.floor(ver / 7) + 2;
      n -= (25 * align - 10) * align - 55;
      if (ver >= 7) { n -= 36; }
    }
    return n;
  }
  function dataCodewords(ver, ecc) {
    return Math.floor(rawModules(ver) / 8) - ECC_PER_BLOCK[ecc][ver] * NUM_BLOCKS[ecc][ver];
  }
  function gfMul(x, y) {
    var z = 0;
    for (var i = 7; i >= 0; i--) {
      z = (z << 1) ^ ((z >>> 7) * 0x11D);
      z ^= ((y >>> i) & 1) * x;
    }
    return z;
  }
  function rsDivisor(degree) {
    var r = [];
    for (var i = 0; i < degree - 1; i++) { r.push(0); }
    r.push(1);
    var root = 1;
    for (i = 0; i < degree; i++) {
      for (var j = 0; j < r.length; j++) {
        r[j] = gfMul(r[j], root);
        if (j + 1 < r.length) { r[j] ^= r[j + 1]; }
      }
      root = gfMul(root, 0x02);
    }
    return r;
  }
  function rsRemainder(data, divisor) {
    var r = divisor.map(function () { return 0; });
    data.forEach(function (b) {
      var factor = b ^ r.shift();
      r.push(0);
      divisor.forEach(function (c, i) { r[i] ^= gfMul(c, factor); });
    });
    return r;
  }
  function bit(x, i) { return ((x >>> i) & 1) !== 0; }

  function codewords(bytes, ver, ecc) {
    var bits = [];
    function put(val, len) { for (var i = len - 1; i >= 0; i--) { bits.push((val >>> i) & 1); } }
    put(4, 4);
    put(bytes.length, ver <= 9 ? 8 : 16);
    bytes.forEach(function (b) { put(b, 8); });
    var capacity = dataCodewords(ver, ecc) * 8;
    put(0, Math.min(4, capacity - bits.length));
    put(0, (8 - bits.length % 8) % 8);
    for (var pad = 0xEC; bits.length < capacity; pad ^= 0xEC ^ 0x11) { put(pad, 8); }
    var data = [];
    for (var i = 0; i < bits.length; i += 8) {
      var v = 0;
      for (var j = 0; j < 8; j++) { v = (v << 1) | bits[i + j]; }
      data.push(v);
    }
    var blocks = NUM_BLOCKS[ecc][ver];
    var eccLen = ECC_PER_BLOCK[ecc][ver];
    var raw = Math.floor(rawModules(ver) / 8);
    var short = blocks - raw % blocks;
    var shortLen = Math.floor(raw / blocks);
    var divisor = rsDivisor(eccLen);
    var all = [];
    for (i = 0, j = 0; i < blocks; i++) {
      var dat = data.slice(j, j + shortLen - eccLen + (i < short ? 0 : 1));
      j += dat.length;
      var rem = rsRemainder(dat, divisor);
      if (i < short) { dat.push(0); }
      all.push(dat.concat(rem));
    }
    var out = [];
    for (i = 0; i < all[0].length; i++) {
      all.forEach(function (block, k) {
        if (i !== shortLen - eccLen || k >= short) { out.push(block[i]); }
      });
    }
    return out;
  }

  function alignment(ver, size) {
    if (ver === 1) { return []; }
    var n = Math.floor(ver / 7) + 2;
    var step = Math.floor((ver * 8 + n * 3 + 5) / (n * 4 - 4)) * 2;
    var result = [6];
    for (var pos = size - 7; result.length < n; pos -= step) { result.splice(1, 0, pos); }
    return result;
  }

  function Matrix(ver, ecc) {
    this.ver = ver; this.ecc = ecc; this.size = ver * 4 + 17;
    this.m = []; this.f = [];
    for (var y = 0; y < this.size; y++) {
      this.m.push(new Array(this.size).fill(false));
      this.f.push(new Array(this.size).fill(false));
    }
  }
  Matrix.prototype.set = function (x, y, dark) { this.m[y][x] = dark; this.f[y][x] = true; };
  Matrix.prototype.functions = function () {
    var size = this.size, self = this, i;
    for (i = 0; i < size; i++) { this.set(6, i, i % 2 === 0); this.set(i, 6, i % 2 === 0); }
    [[3, 3], [size - 4, 3], [3, size - 4]].forEach(function (c) {
      for (var dy = -4; dy <= 4; dy++) {
        for (var dx = -4; dx <= 4; dx++) {
          var d = Math.max(Math.abs(dx), Math.abs(dy));
          var x = c[0] + dx, y = c[1] + dy;
          if (x >= 0 && x < size && y >= 0 && y < size) { self.set(x, y, d !== 2 && d !== 4); }
        }
      }
    });
    var pos = alignment(this.ver, size), last = pos.length - 1;
    pos.forEach(function (px, a) {
      pos.forEach(function (py, b) {
        if ((a === 0 && b === 0) || (a === 0 && b === last) || (a === last && b === 0)) { return; }
        for (var dy = -2; dy <= 2; dy++) {
          for (var dx = -2; dx <= 2; dx++) {
            self.set(px + dx, py + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
          }
        }
      });
    });
    this.format(0);
    if (this.ver >= 7) {
      var rem = this.ver;
      for (i = 0; i < 12; i++) { rem = (rem << 1) ^ ((rem >>> 11) * 0x1F25); }
      var bits = this.ver << 12 | rem;
      for (i = 0; i < 18; i++) {
        var a = size - 11 + i % 3, b = Math.floor(i / 3);
        this.set(a, b, bit(bits, i)); this.set(b, a, bit(bits, i));
      }
    }
  };
  Matrix.prototype.format = function (mask) {
    var data = FORMAT_ECC[this.ecc] << 3 | mask, rem = data, i, size = this.size;
    for (i = 0; i < 10; i++) { rem = (rem << 1) ^ ((rem >>> 9) * 0x537); }
    var bits = (data << 10 | rem) ^ 0x5412;
    for (i = 0; i <= 5; i++) { this.set(8, i, bit(bits, i)); }
    this.set(8, 7, bit(bits, 6)); this.set(8, 8, bit(bits, 7)); this.set(7, 8, bit(bits, 8));
    for (i = 9; i < 15; i++) { this.set(14 - i, 8, bit(bits, i)); }
    for (i = 0; i < 8; i++) { this.set(size - 1 - i, 8, bit(bits, i)); }
    for (i = 8; i < 15; i++) { this.set(8, size - 15 + i, bit(bits, i)); }
    this.set(8, size - 8, true);
  };
  Matrix.prototype.place = function (data) {
    var size = this.size, i = 0;
    for (var right = size - 1; right >= 1; right -= 2) {
      if (right === 6) { right = 5; }
      for (var v = 0; v < size; v++) {
        for (var j = 0; j < 2; j++) {
          var x = right - j, up = ((right + 1) & 2) === 0, y = up ? size - 1 - v : v;
          if (!this.f[y][x] && i < data.length * 8) {
            this.m[y][x] = bit(data[i >>> 3], 7 - (i & 7));
            i++;
          }
        }
      }
    }
  };
  var MASKS = [
    function (x, y) { return (x + y) % 2 === 0; },
    function (x, y) { return y % 2 === 0; },
    function (x) { return x % 3 === 0; },
    function (x, y) { return (x + y) % 3 === 0; },
    function (x, y) { return (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0; },
    function (x, y) { return x * y % 2 + x * y % 3 === 0; },
    function (x, y) { return (x * y % 2 + x * y % 3) % 2 === 0; },
    function (x, y) { return ((x + y) % 2 + x * y % 3) % 2 === 0; }
  ];
  Matrix.prototype.mask = function (k) {
    for (var y = 0; y < this.size; y++) {
      for (var x = 0; x < this.size; x++) {
        if (!this.f[y][x] && MASKS[k](x, y)) { this.m[y][x] = !this.m[y][x]; }
      }
    }
  };
  Matrix.prototype.penalty = function () {
    var size = this.size, m = this.m, score = 0, dark = 0, x, y;
    function line(get) {
      var run = 1, s = 0, str = "";
      for (var i = 0; i < size; i++) {
        str += get(i) ? "1" : "0";
        if (i > 0 && get(i) === get(i - 1)) { run++; } else { if (run >= 5) { s += run - 2; } run = 1; }
      }
      if (run >= 5) { s += run - 2; }
      var pad = "0000" + str + "0000";
      for (var k = 0; k + 11 <= pad.length; k++) {
        var w = pad.substr(k, 11);
        if (w === "10111010000" || w === "00001011101") { s += 40; }
      }
      return s;
    }
    for (y = 0; y < size; y++) {
      score += line(function (i) { return m[y][i]; });
      score += line(function (i) { return m[i][y]; });
    }
    for (y = 0; y < size - 1; y++) {
      for (x = 0; x < size - 1; x++) {
        var c = m[y][x];
        if (c === m[y][x + 1] && c === m[y + 1][x] && c === m[y + 1][x + 1]) { score += 3; }
      }
    }
    for (y = 0; y < size; y++) { for (x = 0; x < size; x++) { if (m[y][x]) { dark++; } } }
    var total = size * size;
    score += Math.floor(Math.abs(dark * 20 - total * 10) / total) * 10;
    return score;
  };

  function encode(text) {
    var bytes = Array.from(new TextEncoder().encode(text));
    var ecc = null, ver;
    for (var v = 1; v <= 40 && !ecc; v++) {  // the smallest version; M where it fits, else L
      var need = 4 + (v <= 9 ? 8 : 16) + bytes.length * 8;
      ecc = need <= dataCodewords(v, "M") * 8 ? "M" : need <= dataCodewords(v, "L") * 8 ? "L" : null;
      ver = v;
    }
    if (!ecc) { return null; }
    var data = codewords(bytes, ver, ecc);
    var best = null;
    for (var k = 0; k < 8; k++) {
      var mx = new Matrix(ver, ecc);
      mx.functions();
      mx.place(data);
      mx.mask(k);
      mx.format(k);
      var p = mx.penalty();
      if (!best || p < best.p) { best = { p: p, mx: mx, k: k }; }
    }
    return { version: ver, ecc: ecc, mask: best.k, size: best.mx.size, modules: best.mx.m };
  }

  function svg(qr, label) {
    var NS = "http://www.w3.org/2000/svg", q = 4, n = qr.size + 2 * q, d = "";
    qr.modules.forEach(function (row, y) {
      row.forEach(function (dark, x) { if (dark) { d += "M" + (x + q) + " " + (y + q) + "h1v1h-1z"; } });
    });
    var s = document.createElementNS(NS, "svg");
    s.setAttribute("viewBox", "0 0 " + n + " " + n);
    s.setAttribute("role", "img");
    s.setAttribute("aria-label", label);
    s.setAttribute("shape-rendering", "crispEdges");
    var bg = document.createElementNS(NS, "rect");
    bg.setAttribute("width", n); bg.setAttribute("height", n); bg.setAttribute("fill", "#fff");
    var path = document.createElementNS(NS, "path");
    path.setAttribute("d", d); path.setAttribute("fill", "#000");
    s.appendChild(bg); s.appendChild(path);
    return s;
  }

  window.LotseQR = { encode: encode, svg: svg };
}());
