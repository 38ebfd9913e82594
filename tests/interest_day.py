"""A synthetic cs.CV day for the interest ranking: real-looking titles and abstracts from templates, a reader's
profile, and planted papers that suit the profile without copying its phrases (bench/ranking.py, the tests).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from arxiv_digest.bibtex import LikedPaper
from arxiv_digest.profiles import InterestProfile
from schemas.records import Paper

# Topics of a cs.CV day: (task phrases, method phrases, datasets).
TOPICS = {
    "detection": (["object detection", "open-vocabulary detection", "small object detection"],
                  ["a query-based transformer detector", "deformable attention", "a feature pyramid"],
                  ["COCO", "LVIS", "Objects365"]),
    "segmentation": (["semantic segmentation", "panoptic segmentation", "referring segmentation"],
                     ["a mask transformer", "prompted segmentation with SAM", "a lightweight decoder"],
                     ["ADE20K", "Cityscapes", "RefCOCO"]),
    "diffusion": (["text-to-image generation", "image editing", "subject-driven generation"],
                  ["a latent diffusion model", "classifier-free guidance", "a distilled few-step sampler"],
                  ["MS-COCO captions", "DrawBench", "DreamBench"]),
    "video": (["video understanding", "temporal action localization", "video question answering"],
              ["a spatio-temporal transformer", "token merging across frames", "a memory bank"],
              ["Kinetics-400", "ActivityNet", "NExT-QA"]),
    "medical": (["lesion segmentation", "medical report generation", "tumor classification"],
                ["a U-Net with attention gates", "self-supervised pretraining on scans", "a foundation model"],
                ["BraTS", "MIMIC-CXR", "ISIC"]),
    "vlm": (["visual question answering", "image captioning", "multimodal reasoning"],
            ["a vision-language model", "instruction tuning", "visual token pruning"],
            ["VQAv2", "MMBench", "ScienceQA"]),
    "pose": (["human pose estimation", "hand mesh recovery", "motion capture"],
             ["a heatmap regression network", "a kinematic prior", "a graph convolutional network"],
             ["Human3.6M", "3DPW", "FreiHAND"]),
    "autonomous": (["3D object detection from lidar", "bird's-eye-view perception", "occupancy prediction"],
                   ["a voxel backbone", "camera-lidar fusion", "a sparse convolutional network"],
                   ["nuScenes", "Waymo Open", "KITTI"]),
    "robustness": (["adversarial robustness", "domain generalization", "test-time adaptation"],
                   ["a consistency regularizer", "entropy minimization", "adversarial training"],
                   ["ImageNet-C", "DomainNet", "PACS"]),
    # Uses the words of the reader's topic in another sense: "Gaussian" noise, "rendering" of text.
    "decoys": (["image denoising under Gaussian noise", "document rendering and OCR", "point cloud completion"],
               ["a Gaussian mixture prior on noise", "a font rendering pipeline", "a point transformer"],
               ["SIDD", "FUNSD", "ShapeNet"]),
}
# The reader's topic, in words the profile's keywords do not use verbatim.
PLANTED = (["novel view synthesis of large scenes", "real-time scene reconstruction", "relightable avatars",
            "dynamic scene rendering", "sparse-view reconstruction", "radiance field compression"],
           ["3D Gaussian primitives rasterized by a tile renderer", "a neural radiance field with hash grids",
            "anisotropic Gaussians optimized per scene", "splat-based differentiable rendering",
            "a deformation field over Gaussian primitives"],
           ["Mip-NeRF 360", "Tanks and Temples", "LLFF", "DTU"])
FIRST = ["Wei", "Anna", "Rahul", "Sofia", "Kenji", "Lucas", "Mina", "Omar", "Elena", "Jun", "Priya", "Tomas"]
LAST = ["Zhang", "Mueller", "Gupta", "Rossi", "Tanaka", "Silva", "Kim", "Haddad", "Novak", "Li", "Iyer", "Berg"]
FAVOURITE = "Bernhard Kerbl"
TITLE_FORMS = ["{Method} for {task}", "Rethinking {task} with {method}", "{Task} via {method}",
               "Towards Efficient {task}: {method} Revisited", "Scaling {method} for {task}"]
ABSTRACT_FORMS = [
    "{Task} remains challenging when data is scarce and scenes are cluttered. We present an approach built on "
    "{method} that addresses {task2}. Our design keeps the cost linear in the input size. Experiments on "
    "{data} and {data2} show gains of {gain} points over strong baselines.",
    "Existing methods for {task} trade accuracy for speed. In this paper we introduce {method}, combined with "
    "{method2}, to close this gap. On {data} our model improves the previous best by {gain}% while running "
    "{speed}x faster. Code will be released.",
    "We study {task} and {task2}. Our key observation is that {method} captures structure that current models "
    "miss. We evaluate on {data}, where it outperforms prior work by {gain}%, and analyse its failure modes.",
]


@dataclass(frozen=True)
class SyntheticDay:
    papers: list[Paper]
    planted: set[str]  # arXiv ids of the papers the profile's reader would read first
    profile: InterestProfile


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _paper(rng: random.Random, number: int, topic: tuple[list[str], list[str], list[str]],
           authors: list[str]) -> Paper:
    tasks, methods, data = topic
    task, task2 = rng.sample(tasks, 2)
    method, method2 = rng.sample(methods, 2)
    data1, data2 = rng.sample(data, 2)
    title = rng.choice(TITLE_FORMS).format(Method=_cap(method.removeprefix("a ")), method=method.removeprefix("a "),
                                           task=task, Task=_cap(task))
    abstract = rng.choice(ABSTRACT_FORMS).format(Task=_cap(task), task=task, task2=task2, method=method,
                                                 method2=method2, data=data1, data2=data2,
                                                 gain=rng.randint(2, 15), speed=rng.randint(2, 9))
    moment = datetime(2026, 1, 20, number % 24, number % 60, tzinfo=UTC)
    return Paper(arxiv_id=f"2601.{10000 + number:05d}", version=1, title=title, authors=tuple(authors),
                 categories=("cs.CV",), primary_category="cs.CV", published=moment, updated=moment,
                 abstract=abstract)


def _authors(rng: random.Random) -> list[str]:
    return [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(2, 5))]


def liked_library() -> list[LikedPaper]:
    """What the reader's BibTeX export holds (as bibtex.parse_bibtex returns it)."""
    return [
        LikedPaper("kerbl2023", "3D Gaussian Splatting for Real-Time Radiance Field Rendering",
                   "Radiance field methods have recently revolutionized novel-view synthesis of scenes captured "
                   "with multiple photos or videos. We represent the scene with 3D Gaussians and a fast "
                   "visibility-aware rendering algorithm that supports anisotropic splatting.",
                   ("Bernhard Kerbl", "Georgios Kopanas"), "2308.04079"),
        LikedPaper("mildenhall2020", "NeRF: Representing Scenes as Neural Radiance Fields for View Synthesis",
                   "We synthesize novel views of complex scenes by optimizing a continuous volumetric scene "
                   "function from a sparse set of input views, rendered with classic volume rendering.",
                   ("Ben Mildenhall",), "2003.08934"),
        LikedPaper("mueller2022", "Instant Neural Graphics Primitives with a Multiresolution Hash Encoding",
                   "Neural graphics primitives parameterized by fully connected networks are costly to train and "
                   "evaluate. A multiresolution hash table of trainable feature vectors speeds up radiance "
                   "field reconstruction.", ("Thomas Mueller",), "2201.05989"),
    ]


def reader_profile(liked: tuple[LikedPaper, ...] = ()) -> InterestProfile:
    return InterestProfile(
        name="splats",
        keywords=(("gaussian splatting", 3.0), ("neural radiance field", 2.0), ("view synthesis", 2.0),
                  ("3d reconstruction", 1.0)),
        negative=("survey", "medical"),
        authors=(FAVOURITE,),
        liked=liked or tuple(liked_library()),
    )


def synthetic_day(count: int = 200, planted: int = 12, seed: int = 16) -> SyntheticDay:
    """`count` papers, `planted` of them on the reader's topic (one by the favourite author, none quoting the
    profile's phrases in full, some sharing only the liked papers' vocabulary)."""
    rng = random.Random(seed)
    topics = list(TOPICS.values())
    slots = set(rng.sample(range(count), planted))
    papers, planted_ids = [], set()
    for number in range(count):
        if number in slots:
            authors = _authors(rng)
            if len(planted_ids) == 0:
                authors.insert(1, FAVOURITE)
            paper = _paper(rng, number, PLANTED, authors)
            planted_ids.add(paper.arxiv_id)
        else:
            paper = _paper(rng, number, topics[number % len(topics)], _authors(rng))
        papers.append(paper)
    return SyntheticDay(papers, planted_ids, reader_profile())
