/**
 * The inspection trial report (PDF, Japanese): what the company brought, what the kit learned, how well it separated good
 * from defective parts, with heat maps, next to the plain template comparison, and honest limits and next steps.
 */
import type { KitConfig } from '../../config/schema.js';
import { countText } from '../countText.js';
import { type Figure, openReport } from '../report/layout.js';
import { formatLocal } from '../utilization/timeZone.js';
import type { Evaluation } from './evaluation.js';
import type { Trial, TrialImage, TrialStore } from './trialStore.js';

const STAGE_LABEL: Record<string, string> = {
  scratch: 'キズ',
  dent: '打痕',
  stain: '汚れ',
  'missing-hole': '穴なし',
  ng: '不良（区分なし）',
};

/** Height of one row of three figures with captions on A4 (points). */
const FIGURE_ROW = 170;
const fmt = (value: number | null | undefined, digits = 3) =>
  value === null || value === undefined ? 'データなし' : value.toFixed(digits);
const pct = (part: number, whole: number) => (whole === 0 ? 'データなし' : `${((100 * part) / whole).toFixed(1)} %（${part} / ${whole}）`);
const labelJa = (label: string) => STAGE_LABEL[label] ?? label;

export async function renderInspectionReport(trial: Trial, store: TrialStore, config: KitConfig): Promise<Buffer> {
  const fit = trial.fit;
  if (!fit || !trial.thresholds) throw new Error('the trial has not been fitted');
  const tz = config.kit.timeZone;
  const title = 'AI外観検査 お試し判定 報告書';
  const report = openReport({
    title,
    kitId: config.kit.id,
    lang: 'ja',
    footer: `Minotake 身の丈IoTキット ${config.kit.id} — 外観検査トライアル「${trial.id}」`,
  });
  report.titleBlock(title, `${trial.name}　／　${config.kit.site}　／　作成 ${formatLocal(Date.now(), tz)}`);
  const pc = fit.patchcore;
  const tp = fit.template;
  const byId = new Map(trial.images.map((image) => [image.id, image]));
  const good = trial.images.filter((i) => i.role === 'ok');
  const defects = trial.images.filter((i) => i.role === 'ng');
  const tests = trial.images.filter((i) => i.role === 'test');

  report.heading('1. まとめ');
  report.bullets(summary(pc, tp));

  report.heading('2. ご提供いただいた画像');
  const classes = countBy(defects.map((d) => d.label ?? 'ng'));
  report.keyValues([
    ['製品', trial.product || '（記載なし）'],
    ['カメラ位置・撮影条件', trial.camera || '（記載なし）'],
    ['良品画像', `${good.length} 枚（学習 ${fit.trainImages} 枚、しきい値設定用に取り置き ${fit.heldOutImages} 枚）`],
    [
      '不良品画像',
      defects.length === 0
        ? 'なし（検出性能は評価できません）'
        : `${defects.length} 枚（${Object.entries(classes)
            .map(([k, n]) => `${labelJa(k)} ${n}`)
            .join('、')}）`,
    ],
    ['判定のみの画像', `${tests.length} 枚`],
    ['画像サイズ（元）', sizeRange(trial.images)],
  ]);

  report.heading('3. 学習した内容');
  report.paragraph(
    'AI 判定には PatchCore 方式を使いました。事前学習済みの画像認識ネットワーク（下記）の中間層から、画像の小さな区画（パッチ）ごとの特徴を取り出し、良品画像の全パッチのうち代表的なものだけを「メモリバンク」として記憶します（コアセット抽出）。判定では、新しい画像の各パッチについて最も近い良品パッチまでの距離を求め、最も遠いパッチの距離を異常スコアとします。勾配による学習（再訓練）は行っておらず、キット内の CPU だけで、インターネット接続なしに計算しています。',
  );
  report.keyValues([
    ['特徴抽出ネットワーク', fit.backbone],
    ['メモリバンク', `${countText(fit.bankSize)} パッチ（良品の全 ${countText(fit.goodPatches)} パッチから抽出）`],
    ['学習時間', `${(fit.durationMs / 1000).toFixed(1)} 秒`],
    ['モデルの大きさ', `${(fit.modelBytes / 1048576).toFixed(1)} MB`],
  ]);
  report.paragraph(
    '比較のため、従来型の画像比較（ゴールデンテンプレート）も同じ画像で評価しました。良品画像の位置を合わせて画素ごとの平均とばらつきを求め、新しい画像の各画素が平均から何倍のばらつき離れているかを異常度とします。治具で位置が決まり照明が安定していれば、この方法で十分な場合があります。',
  );

  report.heading('4. 判定結果');
  report.paragraph(
    `しきい値は、学習に使わなかった良品 ${pc.heldOutGood} 枚のスコアから、新しい良品を誤って不良と判定する率（過検出率）が ${(pc.falseRejectRate * 100).toFixed(0)} % 以下となる見込みの値に決めました（スコアを正規分布とみなした予測上限と、取り置いた画像での実績の高い方）。${pc.heldOutGood} 枚からの推定のため、実際の過検出率はこれより高くなりえます。`,
    { size: 9.5 },
  );
  report.table({
    columns: [
      { header: '項目', width: 0.4 },
      { header: 'AI（PatchCore）', width: 0.3, align: 'right' },
      { header: 'テンプレート比較', width: 0.3, align: 'right' },
    ],
    rows: [
      ['しきい値（スコアがこれを超えたら NG）', fmt(pc.threshold), fmt(tp.threshold)],
      ['AUROC（1.0 が完全な分離、0.5 は当て推量）', fmt(pc.auroc), fmt(tp.auroc)],
      ['不良を NG と判定（検出）', pct(pc.confusion.truePositive, pc.defects), pct(tp.confusion.truePositive, tp.defects)],
      ['不良を OK と判定（見逃し）', pct(pc.confusion.falseNegative, pc.defects), pct(tp.confusion.falseNegative, tp.defects)],
      ['良品を NG と判定（過検出）', pct(pc.confusion.falsePositive, pc.heldOutGood), pct(tp.confusion.falsePositive, tp.heldOutGood)],
      ['良品を OK と判定', pct(pc.confusion.trueNegative, pc.heldOutGood), pct(tp.confusion.trueNegative, tp.heldOutGood)],
    ],
  });
  if (trial.thresholds.patchcore !== fit.fittedThresholds.patchcore) {
    report.paragraph(
      `AI のしきい値は感度調整により ${fmt(fit.fittedThresholds.patchcore)} から ${fmt(trial.thresholds.patchcore)} に変更されています（上表は変更後の値）。`,
      { size: 9, muted: true },
    );
  }
  const labels = Object.keys(pc.aurocByLabel);
  if (labels.length > 0) {
    report.heading('不良の種類ごとの AUROC', 2);
    report.table({
      columns: [
        { header: '不良の種類', width: 0.4 },
        { header: 'AI（PatchCore）', width: 0.3, align: 'right' },
        { header: 'テンプレート比較', width: 0.3, align: 'right' },
      ],
      rows: labels.map((label) => [
        `${labelJa(label)}（${classes[label] ?? 0} 枚）`,
        fmt(pc.aurocByLabel[label]),
        fmt(tp.aurocByLabel[label]),
      ]),
    });
  }

  report.heading('5. ヒートマップ');
  report.paragraph(
    '左から、元の画像、AI のヒートマップ、テンプレート比較のヒートマップです。色はしきい値に対する割合で、しきい値の 6 割未満は色なし、しきい値付近から黄〜赤で示します。',
    { size: 9.5 },
  );
  const triple = (image: TrialImage, title: string) => figuresFor(store, trial, image, title);
  if (pc.worstGood.length > 0) {
    report.heading('スコアが最も高かった良品（過検出になりやすいもの）', 2, FIGURE_ROW);
    for (const item of pc.worstGood.slice(0, 2)) {
      const image = byId.get(item.id);
      if (image) report.figures(triple(image, '良品'), { perRow: 3 });
    }
  }
  if (pc.bestHiddenDefects.length > 0) {
    report.heading('スコアが最も低かった不良品（見逃しやすいもの）', 2, FIGURE_ROW);
    for (const item of pc.bestHiddenDefects.slice(0, 2)) {
      const image = byId.get(item.id);
      if (image) report.figures(triple(image, '不良'), { perRow: 3 });
    }
  }
  const examples = labels
    .map(
      (label) => defects.filter((d) => (d.label ?? 'ng') === label && d.score !== null).sort((a, b) => (b.score ?? 0) - (a.score ?? 0))[0],
    )
    .filter((image): image is TrialImage => image !== undefined);
  if (examples.length > 0) {
    report.heading('不良の種類ごとの検出例', 2, FIGURE_ROW);
    for (const image of examples) report.figures(triple(image, '不良'), { perRow: 3 });
  }

  report.heading('6. この結果の限界');
  report.bullets([
    `画像の枚数が少ない評価です（良品 ${good.length} 枚、不良品 ${defects.length} 枚）。AUROC や検出率は数枚の違いで大きく変わり、実際のラインでの性能を保証するものではありません。`,
    '照明の明るさ・向き、背景、カメラの位置や角度が学習時と変わると、良品でもスコアが上がり過検出が増えます。',
    '部品の置き方（位置・向き）のばらつきが大きいと、テンプレート比較は特に弱くなります。AI 方式も、学習画像にない姿勢は異常と判定しやすくなります。',
    '小さく、周囲との濃淡差が小さい欠陥（薄い汚れ、細いキズ）は、画像の解像度と照明しだいで見逃しやすくなります。ヒートマップで、欠陥の位置が正しく示されているかを必ずご確認ください。',
    '今回ご提供いただかなかった種類の不良については、検出できるかどうかを評価していません。',
  ]);

  report.heading('7. 本格導入に向けて必要なこと');
  report.bullets([
    '良品画像を数百枚程度（日や時間帯、ロットを変えて）撮影し、不良品も種類ごとに数十枚集めて再評価する。',
    '部品の位置と向きを決める治具、外光を遮る囲いと一定の照明（ドーム照明・同軸照明など欠陥が見えやすい方式）を用意する。',
    '欠陥の大きさに対して十分な解像度のカメラとレンズを選ぶ（欠陥が数画素以上に写ること）。',
    '過検出と見逃しのどちらを重く見るかを決め、その基準でしきい値を設定し、定期的に判定結果を人が確認する運用にする。',
    '製品や照明を変えたときは、良品画像を撮り直して学習し直す。',
  ]);
  report.paragraph(
    '本報告書は、技術センターの IoT 貸出キット（Minotake）による「お試し判定」の結果です。判定の仕組みと設定はキットの文書（docs/inspection.md）に記載しています。',
    { size: 8.5, muted: true },
  );
  return report.toBuffer();
}

function figuresFor(store: TrialStore, trial: Trial, image: TrialImage, kind: string): Figure[] {
  const read = (k: 'image' | 'heatmap' | 'template') => store.readImage(trial.id, image.id, k);
  const label = image.role === 'ng' ? `${kind}・${labelJa(image.label ?? 'ng')}` : kind;
  const name = image.name.length > 36 ? `…${image.name.slice(-35)}` : image.name;
  const out: Figure[] = [];
  const original = read('image');
  if (original) out.push({ png: original, caption: `${label}　${name}` });
  const heat = read('heatmap');
  if (heat) out.push({ png: heat, caption: `AI スコア ${fmt(image.score)}（しきい値 ${fmt(trial.thresholds?.patchcore)}）` });
  const template = read('template');
  if (template)
    out.push({ png: template, caption: `テンプレート ${fmt(image.templateScore, 2)}（しきい値 ${fmt(trial.thresholds?.template, 2)}）` });
  return out;
}

function summary(pc: Evaluation, tp: Evaluation): string[] {
  const lines: string[] = [];
  if (pc.defects === 0) {
    lines.push('不良品画像がないため、検出性能（AUROC・見逃し率）は評価できていません。しきい値は良品画像だけから決めています。');
  } else {
    lines.push(
      `AI（PatchCore）の AUROC は ${fmt(pc.auroc)}、しきい値 ${fmt(pc.threshold)} で不良品 ${pc.defects} 枚中 ${pc.confusion.truePositive} 枚を検出し、取り置いた良品 ${pc.heldOutGood} 枚中 ${pc.confusion.falsePositive} 枚を誤って NG と判定しました。`,
    );
    lines.push(
      `同じ画像でのテンプレート比較の AUROC は ${fmt(tp.auroc)}、検出 ${tp.confusion.truePositive} / ${tp.defects} 枚、過検出 ${tp.confusion.falsePositive} / ${tp.heldOutGood} 枚でした。` +
        ((tp.auroc ?? 0) >= (pc.auroc ?? 0) - 0.01
          ? 'この撮影条件では、従来の画像比較でもほぼ同等に判別できています。'
          : 'この撮影条件では、AI 方式の方がよく判別できています。'),
    );
  }
  lines.push('少ない画像での試験的な評価です。実際のラインで使うには、6 章の限界と 7 章の準備をご確認ください。');
  return lines;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function sizeRange(images: TrialImage[]): string {
  if (images.length === 0) return 'データなし';
  const sizes = [...new Set(images.map((i) => `${i.width} × ${i.height}`))];
  return sizes.length <= 3 ? `${sizes.join('、')} 画素` : `${sizes.length} 種類（${sizes[0]} など）`;
}
