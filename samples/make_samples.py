#!/usr/bin/env python3
"""Generate the sample workbooks shipped with jixiao.

Every workbook reproduces the layout of the seed form (Guizhou 项目支出绩效目标自评表,
two filled forms of 中共黔南州委社会工作部, 2024), as published; their figures are transcribed below.
The .xls and .ods samples are written as .xlsx to a temporary folder and
converted with LibreOffice (soffice --headless --convert-to ...).

Usage (from the repository root):
    python3 samples/make_samples.py            # write everything, convert with soffice
    python3 samples/make_samples.py --no-convert   # only the .xlsx files; print the soffice commands
"""
import argparse
import copy
import datetime
import os
import shutil
import subprocess
import sys
import tempfile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.properties import PageSetupProperties

HERE = os.path.dirname(os.path.abspath(__file__))
MISTAKES = os.path.join(HERE, "mistakes")

# ---------------------------------------------------------------------------
# The two forms exactly as published in the seed
# ---------------------------------------------------------------------------

CONCLUSION = (
    "优。自评为优的理由：一是项目年度目标任务设置合理，在项目期限内全面达成预期指标；"
    "二是坚决贯彻“过紧日子”  的要求，节约经费开支，提高资金使用效率；三是工作成效显著，"
    "各项工作实现目标值。今后努力方向：一是高度重视项目经费预算、绩效自评等工作。明确责任分工，"
    "加强内部项目管理人员与财务人员协调配合 ，确保绩效自评质量更优；二是加强对绩效自评结果的"
    "分析和运用。针对自评发现的问题，及时改进项目管理，切实提升财政资金使用效益；三是坚持围绕"
    "州委的中心工作和全州改革发展稳定大局，继续围绕“1248”工作思路，以争当“民族地区社会工作"
    "创新发展先行示范”为引领，坚决做到“勇担当，出实招”，全力以赴推动全州社会工作高质量发展。"
)

DEPARTMENT = "[197]中共黔南州委社会工作部"
UNIT = "中共黔南州委社会工作部"

# indicator tuple: (一级, 二级, 三级, target, actual, 分值, 得分)
L1_OUT = "产出指标\n(50分)"
L1_BEN = "效益指标\n(30分)"
L1_SAT = "满意度指标(10分)"
L2_SOC = "社会效益\n指标"

FORM_DINGE = {
    "project": "定额公用经费",
    # 年初预算数, 全年预算数（A）, 全年执行数（B） for 年度资金总额/财政拨款/本级安排/其中：上级补助/其他
    "funds": [
        (0, 200000, 196876.3),
        (0, 200000, 196876.3),
        (0, 200000, 196876.3),
        (0, 0, 0),
        (0, 0, 0),
    ],
    "rate": 98.44,
    "exec_score": 9.84,
    "goal": (
        "目标1：保障部机关高效运转；目标2：统筹指导全州性社会组织党建工作，统筹推进党建引领基层"
        "治理和基层政权建设等工作 。目标3：指导县市级党委社会工作部门开展工作。"
    ),
    "done": (
        "1，完成办公用品保障8批次、水电通讯等保障9次，为部机关高效运转提供了强有力的后勤保障；"
        "2，开展工作调研、督查督导等35次，协调推进城乡社区治理体系和治理能力建设，推动基层民主"
        "政治建设，指导监督基层群众自治制度的有效实施，健全基层群众自治机制。3，指导全州性社会"
        "组织党建工作，负责全州志愿者服务工作的统筹规划、协调指导、督促检查以及指导社会工作人才"
        "队伍建设，指导县市级党委社会工作部门开展工作等目标任务如期完成。"
    ),
    "indicators": [
        (L1_OUT, "数量指标", "水电通讯等保障", "≥9次", "9次", 5, 5),
        (L1_OUT, "数量指标", "工作调研等", "≥30次", "35次", 5, 5),
        (L1_OUT, "数量指标", "办公用品等保障", "≥6批次", "8批次", 5, 5),
        (L1_OUT, "质量指标", "办公用品等", "强效益", "达成预期指标", 5, 5),
        (L1_OUT, "质量指标", "水电通讯等", "保运转", "达成预期指标", 5, 5),
        (L1_OUT, "质量指标", "调研工作", "促发展", "达成预期指标", 5, 5),
        (L1_OUT, "时效指标", "完成时限", "2024年12月31日前", "达成预期指标", 5, 5),
        (L1_OUT, "成本指标", "办公用品等支出", "≤60000元", "60000元", 4, 4),
        (L1_OUT, "成本指标", "水电通讯等支出", "≤35000元", "31876.3元", 4, 4),
        (L1_OUT, "成本指标", "调研工作支出", "≤105000元", "105000元", 4, 4),
        (L1_OUT, "成本指标", "项目或定额成本控制率", "＝100%", "100%", 3, 3),
        (L1_BEN, L2_SOC, "全州性社会组织党建工、党建引领基层治理和基层政权建设等工作",
         "持续推进", "达成预期指标", 30, 30),
        (L1_SAT, "满意度指标", "各县市党委社会工作部门和全州性社会组织等满意度",
         "≥90%", "90%", 10, 10),
    ],
    # reason text of the 数量指标 block (merged over its rows in column I)
    "reason": (
        "偏差原因：2024年4月新组建部门，办公用品需求量测算值偏小。改进措施：科学测算办公用品"
        "需求量，精准设置绩效数量指标。"
    ),
    "total": 99.84,
    "conclusion": CONCLUSION,
    "contact": "联系人：何娟",
}

FORM_XIANGMU = {
    "project": "项目工作经费",
    "funds": [
        (0, 100000, 99193.53),
        (0, 100000, 99193.53),
        (0, 100000, 99193.53),
        (0, 0, 0),
        (0, 0, 0),
    ],
    "rate": 99.19,
    "exec_score": 9.92,
    "goal": (
        "1、指导“两企三新”党建工作；2、指导协调相关企业单位、社会组织、就业群体中党员的教育、"
        "管理、监督和服务工作；3、完善相关领域群众利益协调机制。"
    ),
    "done": (
        "1、召开全州“两企三新”党建工作推进会，全州“两企三新”、行业协会商会党组织党纪学习警示"
        "教育暨工作推进会 ，全州党建引领基层治理领导协调机制专题会，全州健全新时代志愿服务体系"
        "工作推进会 ，全州“12.5”国际志愿者日系列志愿服务活动启动仪式等会议及活动 12次，有效指导"
        "混合所有制企业、非公有制企业和新经济组织、新社会组织、新就业群体党建工作，指导全州性社会"
        "组织党建工作，指导监督基层群众自治制度的有效实施，健全基层群众自治机制，指导社会工作人才"
        "队伍建设等；2、开展基层治理课题研究，形成经验材料在全州推广并供各县市党委社会工作部学习 ；"
        "3、开展新兴领域党员慰问及党员培训活动，指导协调相关企业单位、社会组织、就业群体中党员的"
        "教育、管理、监督和服务工作。"
    ),
    "indicators": [
        (L1_OUT, "数量指标", "课题研究", "≥1个", "1个", 5, 5),
        (L1_OUT, "数量指标", "慰问新兴领域就业困难党员", "＝36人", "36人", 5, 5),
        (L1_OUT, "数量指标", "召开会议", "≥8次", "12次", 5, 5),
        (L1_OUT, "质量指标", "会议质量", "及时高效", "达成预期指标", 5, 5),
        (L1_OUT, "质量指标", "课题研究成果", "紧扣目标", "达成预期指标", 5, 5),
        (L1_OUT, "质量指标", "慰问困难党员", "精准关爱", "达成预期指标", 5, 5),
        (L1_OUT, "时效指标", "完成时限", "2024年12月31日前", "达成预期指标", 5, 5),
        (L1_OUT, "成本指标", "召开会议支出", "≤72000元", "72000元", 4, 4),
        (L1_OUT, "成本指标", "慰问支出", "≤18000元", "18000元", 4, 4),
        (L1_OUT, "成本指标", "课题研究支出", "≤10000元", "10000元", 4, 4),
        (L1_OUT, "成本指标", "项目或定额成本控制率", "＝100%", "100%", 3, 3),
        (L1_BEN, L2_SOC, "新兴领域党建工作", "持续推进", "达成预期指标", 30, 30),
        (L1_SAT, "满意度指标", "“两企三新”满意度", "≥90%", "90%", 10, 10),
    ],
    "reason": (
        "偏差原因：2024年4月新组建部门，会议和活动开展次数测算值偏小。改进措施：科学测算会议和"
        "活动开展次数，精准设置绩效数量指标。"
    ),
    "total": 99.92,
    "conclusion": CONCLUSION,
    "contact": "联系人：何娟",
}

# ---------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------

FONT = "宋体"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
LEFT_TOP = Alignment(horizontal="left", vertical="top", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center", wrap_text=True)

COL_WIDTHS = {"A": 7, "B": 10, "C": 11, "D": 22, "E": 15, "F": 15,
              "G": 8, "H": 9, "I": 19, "J": 8}

AMOUNT_FMT = "#,##0.00"
FUND_LABELS = ["年度资金总额：", "财政拨款：", "本级安排：", "其中：上级补助：", "其他："]
FUND_INDENT = [0, 1, 2, 2, 1]

FIRST_IND_ROW = 16


def layout(form):
    """Cell addresses of one form (all sheets use the same layout)."""
    n = len(form["indicators"])
    last = FIRST_IND_ROW + n - 1
    return {
        "rate": "H7",
        "exec_score": "I7",
        "indicators": (FIRST_IND_ROW, last),
        "total_row": last + 1,
        "total": f"H{last + 1}",
        "conclusion": f"B{last + 2}",
        "contact": f"A{last + 3}",
    }


def put(ws, ref, value, align=CENTER, size=10, bold=False, fmt=None):
    c = ws[ref]
    c.value = value
    c.font = Font(name=FONT, size=size, bold=bold)
    c.alignment = align
    if fmt:
        c.number_format = fmt
    return c


def merge(ws, rng, value=None, **kw):
    first = rng.split(":")[0]
    ws.merge_cells(rng)
    if value is not None or kw:
        put(ws, first, value, **kw)


def text_lines(text, width_chars):
    """Rough number of printed lines of CJK text in a cell `width_chars` wide."""
    per_line = max(1, int(width_chars / 1.8))
    lines = 0
    for part in str(text).split("\n"):
        lines += max(1, -(-len(part) // per_line))
    return lines


def width(cols):
    return sum(COL_WIDTHS[c] for c in cols)


def build_sheet(ws, form):
    for col, w in COL_WIDTHS.items():
        ws.column_dimensions[col].width = w

    # header
    merge(ws, "A1:J1", "项目支出绩效目标自评表", size=18, bold=True)
    merge(ws, "A2:J2", "（2024年度）", size=12)
    merge(ws, "A3:F3", "单位（盖章）：", align=LEFT)
    merge(ws, "G3:J3", "填报日期：20250211", align=RIGHT)
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[2].height = 20
    ws.row_dimensions[3].height = 20

    # project
    merge(ws, "A4:B4", "项目名称")
    merge(ws, "C4:J4", form["project"], align=LEFT)
    merge(ws, "A5:B5", "主管部门及代码")
    merge(ws, "C5:E5", DEPARTMENT, align=LEFT)
    merge(ws, "F5:G5", "实施单位")
    merge(ws, "H5:J5", UNIT, align=LEFT)
    ws.row_dimensions[4].height = 22
    ws.row_dimensions[5].height = 22

    # funds
    merge(ws, "A6:A11", "项目资金\n（元）")
    merge(ws, "B6:C6", "资金来源")
    put(ws, "D6", "年初预算数")
    put(ws, "E6", "全年预算数（A）")
    put(ws, "F6", "全年执行数（B）")
    put(ws, "G6", "分值")
    put(ws, "H6", "执行率")
    merge(ws, "I6:J6", "得分")
    ws.row_dimensions[6].height = 30
    for i, (label, amounts) in enumerate(zip(FUND_LABELS, form["funds"])):
        r = 7 + i
        merge(ws, f"B{r}:C{r}", label,
              align=Alignment(horizontal="left", vertical="center", wrap_text=True,
                              indent=FUND_INDENT[i]))
        for col, v in zip("DEF", amounts):
            put(ws, f"{col}{r}", v, align=RIGHT, fmt=AMOUNT_FMT)
        if i == 0:
            put(ws, f"G{r}", 10)
            put(ws, f"H{r}", form["rate"], fmt="0.00")
            merge(ws, f"I{r}:J{r}", form["exec_score"], fmt="0.00")
        else:
            put(ws, f"G{r}", "-")
            put(ws, f"H{r}", "-")
            merge(ws, f"I{r}:J{r}", "-")
        ws.row_dimensions[r].height = 20

    # goals
    merge(ws, "A12:A14", "年度\n总体\n目标")
    merge(ws, "B12:F12", "预期目标")
    merge(ws, "G12:J12", "实际完成情况")
    merge(ws, "B13:F14", form["goal"], align=LEFT)
    merge(ws, "G13:J14", form["done"], align=LEFT)
    ws.row_dimensions[12].height = 20
    lines = max(text_lines(form["goal"], width("BCDEF")),
                text_lines(form["done"], width("GHIJ")))
    h = max(30.0, lines * 13.5 / 2 + 4)
    ws.row_dimensions[13].height = h
    ws.row_dimensions[14].height = h

    # indicators
    inds = form["indicators"]
    first = FIRST_IND_ROW
    last = first + len(inds) - 1
    merge(ws, f"A15:A{last}", "绩\n效\n指\n标")
    for col, label in zip("BCDEFGHIJ", ["一级指标", "二级指标", "三级指标", "年度指标值(A)",
                                        "实际完成值(B)", "分值", "得分", "未完成原因分析", "备注"]):
        put(ws, f"{col}15", label)
    ws.row_dimensions[15].height = 30

    for k, (l1, l2, l3, target, actual, w, s) in enumerate(inds):
        r = first + k
        put(ws, f"D{r}", l3, align=LEFT)
        put(ws, f"E{r}", target)
        put(ws, f"F{r}", actual)
        put(ws, f"G{r}", w)
        put(ws, f"H{r}", s)
        put(ws, f"J{r}", None)
        ws.row_dimensions[r].height = max(22.0, text_lines(l3, COL_WIDTHS["D"]) * 13.5 + 4)

    # vertical merges of 一级 / 二级 over runs of equal labels
    for col, idx in (("B", 0), ("C", 1)):
        k = 0
        while k < len(inds):
            j = k
            while j + 1 < len(inds) and inds[j + 1][idx] == inds[k][idx]:
                j += 1
            rng = f"{col}{first + k}:{col}{first + j}"
            if j > k:
                merge(ws, rng, inds[k][idx])
            else:
                put(ws, f"{col}{first + k}", inds[k][idx])
            k = j + 1

    # reason column: merged over the 数量指标 block, empty single cells elsewhere
    qty = [first + k for k, ind in enumerate(inds) if ind[1] == "数量指标"]
    merge(ws, f"I{qty[0]}:I{qty[-1]}", form["reason"], align=LEFT)
    for k in range(len(inds)):
        r = first + k
        if r not in qty:
            put(ws, f"I{r}", None, align=LEFT)
    # make the merged reason fit
    need = text_lines(form["reason"] or "", COL_WIDTHS["I"]) * 13.5 + 4
    have = sum(ws.row_dimensions[r].height for r in qty)
    if need > have:
        for r in qty:
            ws.row_dimensions[r].height = need / len(qty)

    # total
    tr = last + 1
    merge(ws, f"A{tr}:F{tr}", "总         分")
    put(ws, f"G{tr}", 100)
    put(ws, f"H{tr}", form["total"], fmt="0.00")
    merge(ws, f"I{tr}:J{tr}", None)
    ws.row_dimensions[tr].height = 22

    # conclusion
    cr = tr + 1
    put(ws, f"A{cr}", "自评结论")
    merge(ws, f"B{cr}:J{cr}", form["conclusion"], align=LEFT)
    ws.row_dimensions[cr].height = max(
        60.0, text_lines(form["conclusion"], width("BCDEFGHIJ")) * 13.5 + 6)

    # borders on the whole table (every cell, so merged ranges are framed too)
    for row in ws.iter_rows(min_row=4, max_row=cr, min_col=1, max_col=10):
        for c in row:
            c.border = BORDER
            if c.font is None or c.font.name != FONT:
                c.font = Font(name=FONT, size=10)

    # contact (below the table, no border)
    kr = cr + 1
    merge(ws, f"A{kr}:J{kr}", form["contact"], align=LEFT)
    ws.row_dimensions[kr].height = 22

    # page setup: A4 portrait, 1 page wide
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_area = f"A1:J{kr}"


def make_workbook(forms):
    wb = Workbook()
    wb.remove(wb.active)
    for form in forms:
        ws = wb.create_sheet(form["project"])
        build_sheet(ws, form)
    fixed = datetime.datetime(2025, 2, 11, 9, 0, 0)
    wb.properties.creator = "中共黔南州委社会工作部"
    wb.properties.lastModifiedBy = "中共黔南州委社会工作部"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    return wb


def variant(form, **changes):
    f = copy.deepcopy(form)
    f.update(changes)
    return f


def with_indicator_score(form, l3, score):
    f = copy.deepcopy(form)
    f["indicators"] = [
        (a, b, c, t, act, w, score if c == l3 else s)
        for (a, b, c, t, act, w, s) in f["indicators"]
    ]
    assert any(i[2] == l3 for i in f["indicators"]), l3
    return f


# ---------------------------------------------------------------------------
# The samples
# ---------------------------------------------------------------------------

SAMPLES = [
    # (relative output path, forms)
    ("seed_2024.xlsx", [FORM_DINGE, FORM_XIANGMU]),
    ("mistakes/wrong_rate.xls", [variant(FORM_DINGE, rate=98.43)]),
    ("mistakes/wrong_indicator_score.ods",
     [with_indicator_score(FORM_DINGE, "水电通讯等支出", 3)]),  # 总分 99.84 kept
    ("mistakes/total_and_grade.xlsx",
     [variant(FORM_XIANGMU, total=89.92,
              conclusion=CONCLUSION.replace("优。自评为优的理由", "良。自评为良的理由", 1))]),
    ("mistakes/overachieved_no_reason.xlsx", [variant(FORM_DINGE, reason=None)]),
    ("mistakes/wrong_execution_score.xlsx", [variant(FORM_XIANGMU, exec_score=9)]),
]


def soffice_cmd(fmt, outdir, src, profile):
    return ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
            "--convert-to", fmt, "--outdir", outdir, src]


def set_cjk_font(ods_path):
    """LibreOffice imports the .xlsx font as the Western font only and leaves the
    Asian (CJK) font at its own default; make it 宋体 as well, like a WPS/Excel file."""
    import re
    import zipfile
    with zipfile.ZipFile(ods_path) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    out = ods_path + ".tmp"
    with zipfile.ZipFile(out, "w") as z:
        for info, data in items:
            if info.filename in ("content.xml", "styles.xml"):
                text = data.decode("utf-8")
                def fix(m):
                    tag = m.group(0)
                    if f'style:font-name="{FONT}"' not in tag and "font-name-asian" not in tag:
                        return tag
                    tag = re.sub(r'\s+style:font-name-asian="[^"]*"', "", tag)
                    return tag.replace("<style:text-properties",
                                       f'<style:text-properties style:font-name-asian="{FONT}"', 1)
                text = re.sub(r"<style:text-properties\b[^>]*>", fix, text)
                data = text.encode("utf-8")
            z.writestr(info, data, compress_type=info.compress_type)
    os.replace(out, ods_path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-convert", action="store_true",
                    help="do not run soffice; leave the .xls/.ods sources in a temp folder")
    args = ap.parse_args()

    os.makedirs(MISTAKES, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="jixiao_samples_")
    profile = os.path.join(tmp, "lo_profile")
    created = []
    pending = []
    for rel, forms in SAMPLES:
        out = os.path.join(HERE, rel)
        stem, ext = os.path.splitext(out)
        wb = make_workbook(forms)
        if ext == ".xlsx":
            wb.save(out)
            created.append((rel, forms))
        else:
            src = os.path.join(tmp, os.path.basename(stem) + ".xlsx")
            wb.save(src)
            pending.append((rel, forms, ext[1:], os.path.dirname(out), src))

    soffice = shutil.which("soffice")
    for rel, forms, fmt, outdir, src in pending:
        target = os.path.join(HERE, rel)
        # xlsx -> ods (temp), give it 宋体 as the CJK font too, then -> ods/xls
        steps = [soffice_cmd("ods", tmp, src, profile)]
        ods = os.path.splitext(src)[0] + ".ods"
        if fmt == "xls":
            steps.append(soffice_cmd("xls", outdir, ods, profile))
        if args.no_convert or not soffice:
            for cmd in steps:
                print("convert manually:", " ".join(cmd), file=sys.stderr)
            if fmt == "ods":
                print("convert manually:", "cp", ods, target, file=sys.stderr)
            continue
        for i, cmd in enumerate(steps):
            res = subprocess.run(cmd, capture_output=True, text=True)
            if res.returncode != 0:
                print(f"soffice failed for {rel}: {res.stdout}{res.stderr}", file=sys.stderr)
                sys.exit(1)
            if i == 0:
                set_cjk_font(ods)
        if fmt == "ods":
            shutil.copyfile(ods, target)
        if not os.path.exists(target):
            print(f"soffice wrote no {rel}", file=sys.stderr)
            sys.exit(1)
        created.append((rel, forms))
    if not args.no_convert:
        shutil.rmtree(tmp, ignore_errors=True)

    order = [r for r, _ in SAMPLES]
    created.sort(key=lambda x: order.index(x[0]))
    print(f"{'file':46} {'bytes':>7}  sheets")
    for rel, forms in created:
        size = os.path.getsize(os.path.join(HERE, rel))
        print(f"samples/{rel:38} {size:>7}  {', '.join(f['project'] for f in forms)}")


if __name__ == "__main__":
    main()
