"""The shipped offline sample day: its generator, and an httpx transport that plays arXiv from its files.

`python -m arxiv_digest.sample_day` rewrites data/sample/ (feed.xml, pdfs/, manifest.json) from the texts
below. The papers are invented for the sample; they exercise every step: numbered sections, a two-column page,
a code URL both in the text and as a link annotation, a cross-listed paper, an image-only PDF with no text
layer, and a paper of the previous announcement, which the digest leaves to its own day. The transport answers
searches by category and submission time from these papers, as arXiv's export API does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

import httpx
import pymupdf

from arxiv_digest.catalog.announcements import EASTERN, announcement
from arxiv_digest.catalog.client import parse_submitted_between
from arxiv_digest.ids import parse_arxiv_id
from arxiv_digest.paths import SAMPLE_DATA_DIR_NAME, SAMPLE_DIR
from arxiv_digest.pdf.writer import A4, MARGIN, new_page, write_block, write_line, write_link
from arxiv_digest.store import Store
from schemas.records import PaperKey

SAMPLE_DAY = date(2026, 1, 21)
SAMPLE_CATEGORY = "cs.CV"


@dataclass(frozen=True)
class SamplePaper:
    arxiv_id: str
    version: int
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    published: str
    updated: str
    abstract: str
    sections: tuple[tuple[str, str], ...] = ()
    two_column_from: int = 99  # index of the first section set in two columns on its own page
    code_url: str = ""
    image_only: bool = False
    comment: str = ""
    extra_links: tuple[str, ...] = field(default=())

    @property
    def versioned_id(self) -> str:
        return str(PaperKey(self.arxiv_id, self.version))


PAPERS: tuple[SamplePaper, ...] = (
    SamplePaper(
        arxiv_id="2601.99001",
        version=1,
        title="Sparse Token Routing for Efficient Video Object Segmentation",
        authors=("Lena Hartmann", "Wei Zhou", "Tomás Ortega"),
        categories=("cs.CV",),
        published="2026-01-20T16:12:05Z",
        updated="2026-01-20T16:12:05Z",
        comment="12 pages, 4 figures",
        code_url="https://github.com/sample-lab/str-vos",
        abstract=(
            "Video object segmentation models spend most of their computation on background tokens that do "
            "not change between frames. We propose Sparse Token Routing (STR), a plug-in module that routes "
            "only the tokens whose appearance or motion changed through the expensive memory attention, while "
            "static tokens reuse their previous features. STR learns the routing decision with a lightweight "
            "change predictor trained jointly with the segmentation loss. On DAVIS 2017 and YouTube-VOS, STR "
            "reduces the cost of memory attention by 61% while keeping the J&F score within 0.4 points of the "
            "dense baseline. Code is available at https://github.com/sample-lab/str-vos."
        ),
        sections=(
            ("1 Introduction",
             "Semi-supervised video object segmentation propagates a first-frame mask through a video. "
             "Memory-based models such as space-time memory networks reach high accuracy, but their cost grows "
             "with the number of tokens in every frame. However, most tokens in a typical video belong to a "
             "static background and produce nearly identical features from frame to frame. Existing efficient "
             "methods reduce the frame rate or the resolution, which hurts thin structures and fast motion. "
             "Our key observation is that the need for recomputation is local and predictable. We therefore "
             "propose Sparse Token Routing, which decides per token whether to recompute or to reuse. "
             "Our contributions are a differentiable routing module, a change predictor that costs less than "
             "one percent of the backbone, and a training schedule that keeps the routed model stable."),
            ("2 Related Work",
             "Space-time memory networks store past frames as keys and values and read them with attention. "
             "Token pruning methods for image transformers drop uninformative tokens, but they discard "
             "information that a video model needs again in later frames. Adaptive computation in video "
             "recognition skips whole frames; in contrast, STR works at the level of single tokens."),
            ("3 Method",
             "STR sits between the encoder and the memory attention of a memory-based segmentation model. "
             "The module receives the tokens of the current frame and the cached features of the previous frame."),
            ("3.1 Change Predictor",
             "The change predictor is a two-layer MLP that takes the difference between current and cached "
             "tokens and outputs a routing score. Tokens whose score exceeds a threshold are routed through "
             "memory attention; the remaining tokens copy their cached output features. During training we "
             "replace the hard threshold with a Gumbel-sigmoid relaxation so that gradients reach the predictor."),
            ("3.2 Training Objective",
             "The model is trained with the standard segmentation loss plus a budget loss that penalises the "
             "fraction of routed tokens above a target ratio. The target ratio is annealed from one to 0.35 over "
             "the first half of training, which avoids the collapse we observed with a fixed ratio."),
            ("4 Experiments",
             "We evaluate on DAVIS 2017 and YouTube-VOS 2019 with the standard J&F metric. STR reduces the "
             "floating point operations of memory attention by 61% and the end-to-end latency by 38% on a "
             "single GPU. The J&F score drops by only 0.4 points on DAVIS 2017 and by 0.6 points on "
             "YouTube-VOS. An ablation shows that the budget annealing is essential: a fixed ratio loses "
             "2.1 points. Routing is most aggressive on static camera videos, where up to 80% of tokens reuse "
             "their cached features."),
            ("5 Limitations",
             "STR assumes that the cached features of the previous frame remain valid for static tokens. "
             "Under strong global illumination changes the predictor routes almost every token, and the "
             "savings vanish. The method also adds a small memory overhead for the cache."),
            ("6 Conclusion",
             "We presented Sparse Token Routing, a simple module that makes memory-based video object "
             "segmentation cheaper by recomputing only the tokens that changed. Code is available at "
             "https://github.com/sample-lab/str-vos."),
            ("References",
             "[1] S. W. Oh et al. Video object segmentation using space-time memory networks. ICCV 2019. "
             "[2] H. K. Cheng et al. XMem: long-term video object segmentation. ECCV 2022."),
        ),
        two_column_from=3,
    ),
    SamplePaper(
        arxiv_id="2601.99002",
        version=2,
        title="Geometry-Aware Diffusion Priors for Single-Image Depth Completion",
        authors=("Priya Raman", "Jonas Berg"),
        categories=("cs.CV", "cs.LG"),
        published="2026-01-20T09:30:00Z",
        updated="2026-01-20T21:05:44Z",
        comment="Project page: https://geodiff-depth.github.io",
        code_url="https://github.com/raman-berg/geodiff",
        extra_links=("https://github.com/fangchangma/sparse-to-dense",),
        abstract=(
            "Depth completion turns a sparse set of depth measurements and an RGB image into a dense depth map. "
            "Regression networks blur depth edges, while generative models ignore the measured points. We "
            "introduce GeoDiff, a diffusion model for depth completion whose denoising steps are guided by a "
            "geometric consistency term that pulls the sample towards the sparse measurements and towards "
            "surface normals predicted from the image. GeoDiff lowers the RMSE on NYU Depth v2 by 9% relative "
            "to the best regression baseline and produces sharper object boundaries."
        ),
        sections=(
            ("1 Introduction",
             "Depth sensors on phones and robots return sparse and noisy measurements. Dense depth is needed "
             "for planning, augmented reality and 3D reconstruction. Regression networks trained with L1 or L2 "
             "losses average over plausible depths and therefore blur discontinuities. Diffusion models produce "
             "sharp and plausible depth maps, but they do not respect the measured points exactly. The "
             "challenge is to combine the sharpness of a generative prior with the accuracy of the measurements. "
             "We propose GeoDiff, which adds a geometric guidance term to every denoising step."),
            ("2 Method",
             "GeoDiff starts from a latent diffusion model pretrained on synthetic depth maps. At each denoising "
             "step we compute a guidance gradient from two terms: a data term that measures the distance between "
             "the predicted depth and the sparse measurements, and a normal term that compares the normals of the "
             "predicted depth with normals estimated from the RGB image. The guidance weight is scheduled so that "
             "the data term dominates in the late steps, when fine structure is decided. Code is released at "
             "https://github.com/raman-berg/geodiff."),
            ("3 Experiments",
             "On NYU Depth v2 with 500 sampled points GeoDiff reaches an RMSE of 0.091 m, a 9% relative "
             "improvement over the strongest regression baseline, and improves the edge F-score by 12 points. "
             "On KITTI depth completion the improvement is smaller, 3%, because LiDAR points are denser. "
             "We compare with the sparse-to-dense baseline from https://github.com/fangchangma/sparse-to-dense "
             "using its released weights. Sampling takes 1.8 seconds per image with 20 denoising steps, which "
             "is slower than regression networks."),
            ("4 Discussion and Limitations",
             "The guidance assumes that the sparse measurements are correct; outliers from specular surfaces "
             "pull the sample towards wrong depths. The sampling time limits real-time use."),
            ("5 Conclusion",
             "GeoDiff shows that a geometric guidance term lets a diffusion prior respect sparse measurements "
             "while keeping sharp depth edges."),
            ("References",
             "[1] F. Ma and S. Karaman. Sparse-to-dense: depth prediction from sparse depth samples. ICRA 2018."),
        ),
    ),
    SamplePaper(
        arxiv_id="2601.99003",
        version=1,
        title="Rig-Free Multi-View Calibration from Moving Crowds",
        authors=("Ana Sousa", "Kenji Watanabe", "Marcus Feld"),
        categories=("cs.GR", "cs.CV"),
        published="2026-01-20T05:45:10Z",
        updated="2026-01-20T05:45:10Z",
        abstract=(
            "Calibrating a multi-camera system usually requires a checkerboard or a dedicated rig. We show that "
            "the people walking through a scene are enough: their detected keypoints provide correspondences "
            "across views that change over time and cover the whole space. Our method estimates intrinsics and "
            "extrinsics jointly by bundle adjustment over human keypoints with a learned uncertainty per joint. "
            "On three public multi-view datasets it reaches a mean reprojection error of 1.9 pixels without any "
            "calibration object."
        ),
        sections=(
            ("1 Introduction",
             "Multi-view capture systems for sports, retail analytics and motion capture need accurate camera "
             "calibration. Calibration objects are impractical in large or public spaces, and recalibration after "
             "a camera moves interrupts operation. Existing self-calibration methods rely on static scene "
             "features, which are scarce in plain corridors and halls. We propose to use the moving people "
             "themselves as the calibration target."),
            ("2 Method",
             "We detect 2D human keypoints in every view, associate people across views with an appearance "
             "embedding, and initialise the cameras from the essential matrix of the most confident pair. "
             "A bundle adjustment then refines intrinsics, extrinsics and 3D joint positions, weighting each "
             "joint by an uncertainty predicted from its detection confidence and its typical bone-length error."),
            ("3 Experiments",
             "On three multi-view datasets our method reaches a mean reprojection error of 1.9 pixels, compared "
             "with 1.4 pixels for checkerboard calibration and 4.7 pixels for a static-feature self-calibration "
             "baseline. Accuracy saturates after about two minutes of footage with at least three people."),
            ("4 Conclusion",
             "People are a practical calibration target: the method calibrates a camera network from ordinary "
             "footage, with accuracy close to that of a checkerboard."),
        ),
    ),
    SamplePaper(
        arxiv_id="2601.99004",
        version=1,
        title="A Scanned Benchmark of Handwritten Engineering Drawings",
        authors=("Olga Petrova",),
        categories=("cs.CV",),
        published="2026-01-20T02:00:00Z",
        updated="2026-01-20T02:00:00Z",
        image_only=True,
        abstract=(
            "We release a benchmark of 4,200 scanned handwritten engineering drawings with annotations for "
            "symbols, dimensions and text. Current document models recognise fewer than half of the dimension "
            "annotations correctly. The benchmark provides a test bed for document understanding beyond printed "
            "text."
        ),
    ),
    # Submitted two days before the sample day and revised on it: the date filter must leave it out.
    SamplePaper(
        arxiv_id="2601.98999",
        version=2,
        title="An Earlier Paper Revised on the Sample Day",
        authors=("Sam Example",),
        categories=("cs.CV",),
        published="2026-01-19T11:00:00Z",
        updated="2026-01-20T10:00:00Z",
        abstract="This entry was first submitted on 2026-01-19 and must not appear in the digest of 2026-01-21.",
    ),
)


# -- feed ------------------------------------------------------------------------------------------------


def _entry_xml(paper: SamplePaper) -> str:
    authors = "".join(f"<author><name>{escape(name)}</name></author>" for name in paper.authors)
    categories = "".join(
        f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in paper.categories
    )
    comment = f"<arxiv:comment>{escape(paper.comment)}</arxiv:comment>" if paper.comment else ""
    return (
        f"<entry><id>http://arxiv.org/abs/{paper.versioned_id}</id>"
        f"<title>{escape(paper.title)}</title>"
        f"<updated>{paper.updated}</updated><published>{paper.published}</published>"
        f'<link href="https://arxiv.org/abs/{paper.versioned_id}" rel="alternate" type="text/html"/>'
        f'<link href="https://arxiv.org/pdf/{paper.versioned_id}" rel="related" type="application/pdf" '
        f'title="pdf"/><summary>{escape(paper.abstract)}</summary>{categories}{comment}'
        f'<arxiv:primary_category term="{paper.categories[0]}"/>{authors}</entry>\n'
    )


def feed_xml(papers: tuple[SamplePaper, ...], total: int | None = None, start: int = 0) -> bytes:
    entries = "".join(_entry_xml(p) for p in papers)
    count = len(papers) if total is None else total
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
        "<id>https://arxiv.org/api/sample</id><title>arXiv Query: sample day</title>"
        "<updated>2026-01-21T00:00:00Z</updated>"
        f"<opensearch:itemsPerPage>{len(papers)}</opensearch:itemsPerPage>"
        f"<opensearch:totalResults>{count}</opensearch:totalResults>"
        f"<opensearch:startIndex>{start}</opensearch:startIndex>\n{entries}</feed>\n"
    ).encode()


def rss_xml(category: str, day: date, items: Sequence[tuple[SamplePaper, str]] = (),
            built_at: datetime | None = None) -> bytes:
    """arXiv's RSS feed of a category in its documented format: the announcement read on `day` (US Eastern
    midnight), each item with its announce type (new, cross, replace, replace-cross); no items is an empty day."""
    stamp = datetime.combine(day, time(0), tzinfo=EASTERN)
    built = built_at or stamp + timedelta(minutes=30)
    entries = "".join(
        f"<item><title>{escape(paper.title)}</title><link>https://arxiv.org/abs/{paper.arxiv_id}</link>"
        f"<description>arXiv:{paper.versioned_id} Announce Type: {kind} \nAbstract: {escape(paper.abstract)}"
        f'</description><guid isPermaLink="false">oai:arXiv.org:{paper.versioned_id}</guid>'
        + "".join(f"<category>{c}</category>" for c in paper.categories)
        + f"<pubDate>{format_datetime(stamp)}</pubDate><arxiv:announce_type>{kind}</arxiv:announce_type>"
        f"<dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>"
        f"<dc:creator>{escape(', '.join(paper.authors))}</dc:creator></item>\n"
        for paper, kind in items
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'version="2.0">\n<channel>\n'
        f"<title>{category} updates on arXiv.org</title><link>http://rss.arxiv.org/rss/{category}</link>"
        f"<description>{category} updates on the arXiv.org e-print archive.</description>"
        f'<atom:link href="https://rss.arxiv.org/rss/{category}" rel="self" type="application/rss+xml"/>'
        "<docs>http://www.rssboard.org/rss-specification</docs><language>en-us</language>"
        f"<lastBuildDate>{format_datetime(built.astimezone(UTC))}</lastBuildDate>"
        "<managingEditor>rss-help@arxiv.org</managingEditor>"
        f"<pubDate>{format_datetime(stamp)}</pubDate>"
        "<skipDays><day>Saturday</day><day>Sunday</day></skipDays>\n"
        f"{entries}</channel>\n</rss>\n"
    ).encode()


def sample_announcement(category: str) -> list[tuple[SamplePaper, str]]:
    """What arXiv's feed lists for the sample day: the papers of its window, new or cross-listed, and a new
    version of an earlier paper as a replacement."""
    found = announcement(SAMPLE_DAY)
    assert found is not None
    listed = []
    for paper in PAPERS:
        primary = paper.categories[0] == category
        if category not in paper.categories:
            continue
        if found.holds(_moment(paper.published)):
            listed.append((paper, "new" if primary else "cross"))
        elif paper.version > 1:
            listed.append((paper, "replace" if primary else "replace-cross"))
    return listed


# -- PDFs ------------------------------------------------------------------------------------------------

_PAGE_W, _PAGE_H = A4


def build_pdf(paper: SamplePaper) -> bytes:
    doc = pymupdf.open()
    if paper.image_only:
        # A "scan": the page is a picture of text, so there is no text layer to extract.
        src = pymupdf.open()
        src_page = new_page(src)
        write_block(src_page, 80, paper.title, x0=MARGIN, x1=_PAGE_W - MARGIN, size=18, bold=True)
        write_block(src_page, 140, paper.abstract, x0=MARGIN, x1=_PAGE_W - MARGIN, size=11)
        pix = src_page.get_pixmap(dpi=60)
        page = new_page(doc)
        page.insert_image(page.rect, pixmap=pix)
    else:
        page = new_page(doc)
        width = _PAGE_W - 2 * MARGIN
        y = write_block(page, 60, paper.title, x0=MARGIN, x1=_PAGE_W - MARGIN, size=17, bold=True)
        y = write_block(page, y, ", ".join(paper.authors), x0=MARGIN, x1=_PAGE_W - MARGIN, size=11)
        y = write_block(page, y + 6, "Abstract", x0=MARGIN, x1=_PAGE_W - MARGIN, size=12, bold=True)
        y = write_block(page, y, paper.abstract, x0=MARGIN, x1=_PAGE_W - MARGIN, size=10)
        for index, (heading, body) in enumerate(paper.sections):
            if index == paper.two_column_from:
                break
            needed = 40 + len(body) / (width / 5.2) * 13
            if y + needed > _PAGE_H - MARGIN:
                page = new_page(doc)
                y = 60
            y = write_block(page, y + 4, heading, x0=MARGIN, x1=_PAGE_W - MARGIN, size=12, bold=True)
            y = write_block(page, y, body, x0=MARGIN, x1=_PAGE_W - MARGIN, size=10)
        rest = paper.sections[paper.two_column_from :]
        if rest:
            # The remaining sections on one two-column page: left column first, then the right one.
            page = new_page(doc)
            gutter = 18
            col_w = (width - gutter) / 2
            columns = [(MARGIN, MARGIN + col_w), (MARGIN + col_w + gutter, _PAGE_W - MARGIN)]
            half = (len(rest) + 1) // 2
            for (x0, x1), chunk in zip(columns, (rest[:half], rest[half:]), strict=True):
                y = 60
                for heading, body in chunk:
                    y = write_block(page, y + 4, heading, x0=x0, x1=x1, size=11, bold=True)
                    y = write_block(page, y, body, x0=x0, x1=x1, size=9)
        if paper.code_url:
            first = doc[0]
            for rect in first.search_for(paper.code_url.split("//", 1)[1][:20]):
                write_link(first, rect, paper.code_url)
                break
    for number, each in enumerate(doc, start=1):
        write_line(each, _PAGE_W / 2 - 4, _PAGE_H - 30, str(number), 9)
    doc.set_metadata({"title": paper.title, "author": ", ".join(paper.authors), "creationDate": "D:20260120000000",
                      "modDate": "D:20260120000000", "producer": "arxiv-digest sample generator"})
    data = doc.tobytes(garbage=3, deflate=True, no_new_id=True)
    doc.close()
    return data


def write_sample_day(target: Path = SAMPLE_DIR) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    (target / "pdfs").mkdir(exist_ok=True)
    written = [target / "feed.xml"]
    written[0].write_bytes(feed_xml(PAPERS))
    for paper in PAPERS:
        if not paper.sections and not paper.image_only:
            continue
        path = target / "pdfs" / f"{paper.versioned_id}.pdf"
        path.write_bytes(build_pdf(paper))
        written.append(path)
    manifest = {
        "digest_date": SAMPLE_DAY.isoformat(),
        "category": SAMPLE_CATEGORY,
        "papers": [p.versioned_id for p in PAPERS],
        "note": "Invented papers generated by arxiv_digest/sample_day.py; regenerate with "
        "`python -m arxiv_digest.sample_day`.",
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    written.append(target / "manifest.json")
    return written


SAMPLE_MARK = "sample_day"


def sample_records_message(store: Store, data_dir: Path) -> str:
    """Why a real run must not use this store (it holds the invented sample papers), or "" when it may.

    Before the sample day had its own data dir, `run --sample` wrote its four invented papers into the real
    store as the digest of 2026-01-21; a real run of that date would then publish them as arXiv's.
    """
    # Marked by a sample run, or holding the sample's papers from before stores were marked (an older version's
    # `run --sample` in the real data dir). A fake arXiv that serves these papers to tests marks nothing.
    if store.marks().get(SAMPLE_MARK) != "true" and not store.papers_stored_before_marks(
            [paper.arxiv_id for paper in PAPERS]):
        return ""
    if data_dir.name == SAMPLE_DATA_DIR_NAME:
        return (f"{data_dir} is the offline sample day's own data dir: add --sample to work on it, or give real "
                "days another --data-dir")
    return (f"the store {store.path} holds the offline sample day's invented papers (an earlier `run --sample` "
            f"wrote them there): move {store.path} and {data_dir / 'out'} aside, or use another --data-dir; "
            "sample runs now keep to their own data dir")


# -- transport -------------------------------------------------------------------------------------------


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def sample_transport(sample_dir: Path = SAMPLE_DIR) -> httpx.MockTransport:
    """Answers arXiv API and PDF requests from the sample files; nothing leaves the process."""
    if not (sample_dir / "feed.xml").is_file():
        raise FileNotFoundError(
            f"the sample day is missing at {sample_dir}; install the project from its source tree "
            "(pip install -e .) or regenerate it with `python -m arxiv_digest.sample_day`"
        )

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/api/query"):
            query = parse_qs(urlparse(str(request.url)).query)
            wanted = parse_submitted_between(query.get("search_query", [""])[0])
            papers: tuple[SamplePaper, ...] = ()
            if wanted and query.get("start", ["0"])[0] == "0":
                category, first, last = wanted
                papers = tuple(p for p in PAPERS if category in p.categories and first <= _moment(p.published) <= last)
            return httpx.Response(200, content=feed_xml(papers), headers={"Content-Type": "application/atom+xml"})
        if "/rss/" in path:
            category = path.rsplit("/rss/", 1)[1]
            return httpx.Response(200, content=rss_xml(category, SAMPLE_DAY, sample_announcement(category)),
                                  headers={"Content-Type": "application/rss+xml"})
        if "/pdf/" in path:
            try:
                stem = parse_arxiv_id(path.split("/pdf/", 1)[1]).file_stem
            except ValueError:
                return httpx.Response(404, text=f"not an arXiv id: {request.url}")
            pdf = sample_dir / "pdfs" / f"{stem}.pdf"
            if pdf.is_file():
                return httpx.Response(200, content=pdf.read_bytes(), headers={"Content-Type": "application/pdf"})
        return httpx.Response(404, text=f"not in the sample day: {request.url}")

    return httpx.MockTransport(handle)


if __name__ == "__main__":
    for written_path in write_sample_day():
        print(written_path)
