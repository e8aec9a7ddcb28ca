// compare.js - ONNX Runtime (npm's onnxruntime-web, its WebAssembly backend
// in Node) against `digitlab predict --json`, for tests/onnx.sh:
//
//   node compare.js IMAGES.idx N MODEL.onnx EXPECTED.jsonl [MODEL EXPECTED]...
//
// runs each model on the first N images of the IDX file (raw or gzip),
// pixels / 255 as [N, 1, H, W], and prints for each model one line:
//   MODEL max-difference DIFF classes-agree A/N
// where DIFF is the largest difference of any class probability from the
// one digitlab printed for the same image.
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const ort = require('onnxruntime-web');

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

function readImages(path, n) {
	let buf = fs.readFileSync(path);
	if (buf[0] === 0x1f && buf[1] === 0x8b)
		buf = zlib.gunzipSync(buf);
	if (buf.readUInt32BE(0) !== 0x803)
		throw new Error(path + ': not an IDX image file');
	const count = buf.readUInt32BE(4), h = buf.readUInt32BE(8), w = buf.readUInt32BE(12);
	n = Math.min(n, count);
	const x = new Float32Array(n * h * w);
	for (let i = 0; i < n * h * w; i++)
		x[i] = buf[16 + i] / 255;       // as digitlab's IDX reader: a float divide
	return {x, n, h, w};
}

async function main() {
	const [imagesPath, nArg, ...pairs] = process.argv.slice(2);
	const img = readImages(imagesPath, parseInt(nArg, 10));
	for (let p = 0; p + 1 < pairs.length; p += 2) {
		const expected = fs.readFileSync(pairs[p + 1], 'utf8').trim().split('\n')
			.map((line) => JSON.parse(line).probabilities);
		const session = await ort.InferenceSession.create(pairs[p]);
		const input = new ort.Tensor('float32', img.x, [img.n, 1, img.h, img.w]);
		const out = (await session.run({input})).output;
		const K = out.dims[1];
		let diff = 0, agree = 0;
		if (expected.length !== img.n || out.dims[0] !== img.n)
			throw new Error(pairs[p] + ': ' + out.dims[0] + ' outputs, ' +
				expected.length + ' expected');
		for (let i = 0; i < img.n; i++) {
			let best = 0, bestWant = 0;
			for (let k = 0; k < K; k++) {
				const got = out.data[i * K + k], want = expected[i][k];
				diff = Math.max(diff, Math.abs(got - want));
				if (got > out.data[i * K + best]) best = k;
				if (want > expected[i][bestWant]) bestWant = k;
			}
			agree += best === bestWant;
		}
		console.log(pairs[p] + ' max-difference ' + diff.toExponential(3) +
			' classes-agree ' + agree + '/' + img.n);
	}
}

main().then(() => process.exit(0), (e) => {
	console.error('compare.js: ' + (e && e.message ? e.message : e));
	process.exit(1);
});
