"""The sources the scenarios cite: the sections of the 2020 record (``[A6]``, ``[B2]``, ...)
with the addresses of the reporting behind each, so that every reference in a brief or a
scenario file resolves inside the repository (docs/sources.md is written from this list:
``python -m sim.report.sources > docs/sources.md``, checked by a test).

A reference is a section of the record: what it covers (in a line) and where its figures come
from (each outlet's page). The figures themselves are in the scenario files, each beside its
reference; the labels [DOC], [PLEDGE], [EST], [DERIVED], [CONFLICT] and [NOT FOUND] that
scenario comments use are explained in ``LABELS``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlparse


@dataclass(frozen=True)
class Source:
    ref: str  # the section of the record: "A6", "B2"
    title: str
    urls: tuple[str, ...]


LABELS = {
    "DOC": "documented: an official statement or data, or a reputable outlet reporting one "
           "(on record, not audited)",
    "PLEDGE": "announced: a donation or plan whose delivery that source does not confirm",
    "EST": "an estimate, target, forecast or capacity claim made by the source",
    "MODEL": "the output of a model or simulation",
    "DERIVED": "arithmetic on cited figures, in no source",
    "CONFLICT": "sources disagree; both values are given",
    "NOT FOUND": "searched for, no usable source found",
    "ASSUMPTION": "a value the scenario chose where the record gives none (scenario files)",
}

SOURCES: tuple[Source, ...] = (
    Source("A1",
           "Taiwan: daily mask production and capacity, by date", (
        "https://www.theonlinecitizen.com/2020/06/13/taiwan-wins-covid-19-pandemic-battle-with-face-masks-and-becoming-the-second-largest-surgical-mask-producer-in-the-world/",
        "https://kanthalaraghu.in/2020/01/taiwan-bans-export-of-surgical-masks.html",
        "https://chinapost.nownews.com/20200428-1209933",
        "https://businesswire.com/news/home/20200722005405/en/Taiwan-Donates-Over-51-Million-Masks-to-Countries-Worldwide",
        "https://www.communitycenter.org.tw/taiwan-face-mask/",
        "https://chinapost.nownews.com/20200401-1105705",
        "https://www.taipeitimes.com/News/biz/archives/2020/02/24/2003731499",
        "https://www.taiwannews.com.tw/en/news/3882323",
        "https://www.taiwannews.com.tw/en/news/3883956",
        "https://chinapost.nownews.com/20200302-1091078",
        "https://chinapost.nownews.com/20200309-1091888",
        "https://chinapost.nownews.com/20200318-1094360",
        "https://www.taiwannews.com.tw/en/news/3897149",
        "https://chinapost.nownews.com/20200323-1095934",
        "https://www.taiwannews.com.tw/news/3908478",
        "https://www.startupterrace.com/post/taiwan-s-daily-production-of-face-masks-to-reach-15-million",
        "https://www.japantimes.co.jp/news/2020/04/21/national/japan-face-masks-donated-taiwan-coronavirus/",
        "https://www.taiwannews.com.tw/en/news/3924318",
        "https://www.taiwannews.com.tw/en/news/3931773",
        "https://www.taiwannews.com.tw/news/3940506",
        "https://chinapost.nownews.com/20200526-1292955",
        "https://formative.jmir.org/2021/1/e21409",
    )),
    Source("A2",
           "Taiwan: name-based ration quotas, and the population", (
        "https://www.taiwannews.com.tw/en/news/3878540",
        "https://www.intellasia.net/taiwan-government-extends-requisitioning-of-masks-ban-on-exports-762646",
        "https://www.taiwannews.com.tw/en/news/3877624",
        "https://www.taiwannews.com.tw/en/news/3883956",
        "https://chinapost.nownews.com/20200302-1091078",
        "https://www.taiwannews.com.tw/en/news/3894393",
        "https://chinapost.nownews.com/20200319-1094836",
        "https://chinapost.nownews.com/20200406-1123665",
        "https://www.globalsecurity.org/security/library/news/2020/03/sec-200330-cna02.htm",
        "https://www.taiwannews.com.tw/en/news/3912964",
        "https://news.pts.org.tw/article/473944",
        "https://panpacificagency.com/news/china/05/28/mask-exports-cleared-for-june-real-name-system-still-in-effect-in-taiwan/",
        "https://www.taipeitimes.com/News/taiwan/archives/2021/01/09/2003750234",
    )),
    Source("A3",
           "Taiwan: the requisition of output, and the return of exports", (
        "https://www.taiwannews.com.tw/en/news/3931773",
        "https://www.taiwannews.com.tw/en/news/3935631",
        "https://chinapost.nownews.com/20200526-1292955",
        "https://www.taiwannews.com.tw/news/3940506",
        "https://www.loc.gov/item/global-legal-monitor/2020-06-26/taiwan-government-lifts-mask-export-ban-and-loosens-covid-19-restrictions/",
        "https://www.trade.gov.tw/English/Pages/Detail.aspx?nodeID=855&pid=696005",
    )),
    Source("A4",
           "Taiwan: statements of the mask stock and stockpile", (
        "https://core-prod.cambridgecore.org/core/journals/infection-control-and-hospital-epidemiology/article/maintaining-mask-stockpiles-in-the-covid19-pandemic-taiwan-as-a-learning-model/9C49648687FD618DC11E3FC34EFFA0F9",
        "https://www.taiwannews.com.tw/en/news/3883956",
        "https://chinapost.nownews.com/20200429-1211003",
        "https://www.taiwannews.com.tw/en/news/3935631",
        "https://www.taiwannews.com.tw/news/3940506",
    )),
    Source("A4b",
           "Taiwan: uses of requisitioned masks besides ration sales; what stock figures count",
           (
        "https://communitycenter.org.tw/taiwan-face-mask/",
        "https://www.storm.mg/article/2236836",
        "https://www.ettoday.net/news/20200202/1636363.htm",
        "https://www.taipeitimes.com/News/taiwan/archives/2020/02/11/2003730765",
        "https://news.tvbs.com.tw/amp/life/1279337",
        "https://next.mirrormedia.mg/story/20200302edi015",
        "https://chinapost.nownews.com/20200302-1091067",
        "https://www.cna.com.tw/news/firstnews/202002155008.aspx",
        "https://news.ltn.com.tw/news/life/paper/1352234",
        "https://www.ettoday.net/news/20200410/1688401.htm",
        "https://www.ctwant.com/article/45424",
        "https://discovery.ettoday.net/news/1723797",
        "https://www.cna.com.tw/news/firstnews/202006290268.aspx",
        "https://ec.ltn.com.tw/article/breakingnews/3263068",
        "https://newtalk.tw/news/view/2020-03-05/374315",
    )),
    Source("A5",
           "Taiwan: how many masks were bought (uptake)", (
        "https://bmcpublichealth.biomedcentral.com/articles/10.1186/s12889-021-11808-3",
        "https://www.taipeitimes.com/News/front/archives/2020/04/29/2003735472",
        "https://www.taipeitimes.com/News/taiwan/archives/2020/05/06/2003735914",
        "https://sayit.pdis.nat.gov.tw/speech/389516",
        "https://formative.jmir.org/2021/1/e21409",
    )),
    Source("A6",
           "Taiwan: the donation rounds", (
        "https://www.taiwannews.com.tw/news/3899531",
        "https://chinapost.nownews.com/20200318-1094549",
        "https://taiwantoday.tw/news_amp.php?post=175219unit%3D2",
        "https://abcnews.go.com/Health/taiwan-donate-10-million-masks-countries-hit-hardest/story?id=69918187",
        "https://www.washingtonexaminer.com/?p=330114",
        "https://www.taiwannews.com.tw/en/news/3912956",
        "https://www.ilmessaggero.it/economia/news/coronavirus_mascherine_taiwan-5164602.html",
        "https://chinapost.nownews.com/20200409-1138420",
        "https://www.taiwannews.com.tw/en/news/3915936",
        "https://www.taiwannews.com.tw/en/news/3916760",
        "https://www.taiwannews.com.tw/en/news/3917444",
        "https://www.taipeitimes.com/News/taiwan/archives/2020/04/17/2003734784",
        "https://www.reuters.com/article/us-health-coronavirus-taiwan-japan-idCAKCN21Y0ZF",
        "https://www.taipeitimes.com/News/taiwan/archives/2020/05/06/2003735914",
        "https://www.taiwannews.com.tw/en/news/3928541",
        "https://businesswire.com/news/home/20200722005405/en/Taiwan-Donates-Over-51-Million-Masks-to-Countries-Worldwide",
        "https://www.sttinfo.fi/tiedote/taiwan-donates-over-51-million-masks-to-countries-worldwide?publisherId=58763726&releaseId=69885390",
        "https://pukkable.com/6835-taiwan-pledges-to-donate-7-million-masks-to-countries-worldwide/",
    )),
    Source("A7",
           "Taiwan: exchanges (masks for suits with the US, fabric for alcohol with Australia)", (
        "https://www.taiwannews.com.tw/news/3899531",
        "https://chinapost.nownews.com/20200318-1094549",
        "https://www.taipeitimes.com/News/taiwan/archives/2020/04/17/2003734784",
        "https://www.eyeontaiwan.com/taiwan-australia-to-exchange-raw-materials-to-fight-covid-19",
        "https://thetaiwantimes.com/taiwan-australia-ink-medical-supplies-deal/amp",
        "https://www.dailymail.co.uk/news/article-8178415/Australia-ship-alcohol-Taiwan-exchange-material-used-make-face-masks.html",
    )),
    Source("B1",
           "Jack Ma and Alibaba Foundations: the Africa pledge of 16 March 2020", (
        "https://africa.cgtn.com/2020/03/16/jack-ma-foundation-to-donate-medical-supplies-to-all-african-countries-to-fight-covid-19/",
        "https://www.iol.co.za/news/africa/jack-ma-donates-1-million-coronavirus-test-kits-to-africa-45008730",
        "https://allafrica.com/stories/202003180805.html",
    )),
    Source("B2",
           "Jack Ma and Alibaba Foundations: flights to Addis Ababa and onward distribution", (
        "https://www.680news.com/2020/03/22/africa-gets-emergency-medical-supplies-from-chinas-jack-ma/",
        "https://www.nazret.com/2020/03/22/coronavirus-supplies-donated-by-alibabas-ma-arrive-in-ethiopia/",
        "https://www.today.ng/coronavirus/africa-receives-5-4-masks-testing-kits-jack-287325",
        "http://raimoq.com/eritrea-egypt-sudan-djibouti-first-recipients-of-coronavirus-donation-ethiopian/",
        "https://myschooleth.com/ethiopian-deploying-jack-mas-coronavirus-donation-across-africa/",
        "http://saharareporters.com/2020/03/24/just-medical-supplies-fight-coronavirus-donated-chinese-billionaire-jack-ma-arrives",
        "http://www.sunrise.ug/news/202003/jackma-donates-to-uganda-essential-health-supplies.html",
        "https://www.eturbonews.com/568558/ethiopian-airlines-steps-up-for-africa-african-tourism-board-chair-speaks-out/",
        "https://apta.biz/2020/03/27",
        "https://www.zambianobserver.com/jack-ma-makes-second-covid-19-equipment-donation-to-africa/",
        "https://thenationonlineng.net/covid-19-jack-ma-donates-500-ventilators-to-nigeria/",
        "https://ethiopianmonitor.com/2020/04/22/ethiopian-distributes-jack-mas-2nd-batch-medical-supplies-to-african-nations/",
        "https://www.ena.et/en/?p=13986",
        "https://www.okay.ng/coronavirus-jack-ma-sends-third-batch-of-medical-supplies-donation-to-africa/",
        "https://ghanaguardian.com/coronavirus-chinese-billionaire-jack-ma-announces-third-set-of-donation-to-africa",
        "https://infosurhoy.com/top-stories/africa-receives-third-massive-donation-of-medical-supplies-from-jack-ma-foundation/",
        "https://www.devdiscourse.com/article/health/1030362-ethiopia-receives-third-round-jack-ma-alibaba-group-donations-to-fight-covid",
        "http://www.signalng.com/jack-ma-donates-more-covid-19-medical-emergency-supplies-to-africa/",
    )),
    Source("B3",
           "Jack Ma and Alibaba Foundations: donations outside Africa", (
        "https://footwearnews.com/2020/business/philanthropy/alibaba-jack-ma-donates-coronavirus-testing-kits-face-masks-1202947589/",
        "https://www.scmp.com/business/china-business/article/3075222/jack-mas-foundation-donates-coronavirus-diagnostic-kits-1",
        "https://www.observerbd.com/details.php?id=249502",
        "https://infosurhoy.com/economy/jack-ma-foundation-to-donate-1-8-mln-masks-to-europe/",
        "https://asiatimes.com/2020/03/jack-ma-donates-crucial-supplies-as-europe-reels/",
        "https://www.scmp.com/news/asia/southeast-asia/article/3076106/coronavirus-alibaba-jack-ma-donate-masks-test-kits",
        "https://www.covaipost.com/jack-ma-foundation-and-alibaba-foundation-announce-donations-to-four-southeast-asian-countries/",
        "https://indianexpress.com/article/trending/trending-globally/after-us-billionaire-jack-ma-sends-coronavirus-tests-kits-for-south-east-asian-countries6326818/",
        "https://www.bernama.com/en/general/news.php?id=1823976",
        "https://link.estadao.com.br/noticias/empresas",
        "https://www.thestar.com/business/2020/03/22/jack-ma-sending-masks-and-other-aid-to-asia-latin-america.html",
        "https://business.financialpost.com/pmn/press-releases-pmn/business-wire-news-releases-pmn/jack-ma-foundation-and-alibaba-foundation-donate-to-seven-more-countries-in-asia-to-fight-covid-19",
        "https://infosurhoy.com/news/jack-ma-alibaba-foundations-to-donate-medical-supplies-to-who/",
        "https://globalcioforum.com/with-resumption-of-flights-who-reports-increased-deliveries-of-critical-medical-supplies/",
    )),
    Source("C1",
           "South Korea: test kits and masks for the Philippines", (
        "http://www.manila-shimbun.com/category/english/news250243.html",
        "https://newsinfo.inquirer.net/1241872/ph-to-receive-rapid-test-kits-from-south-korea-china-duque/amp",
        "http://dzrhnews.com.ph/amidst-covid-19-threat-other-countries-give-aid-to-phl/",
        "https://dwiz882am.com/index.php/south-korea-china-magbibigay-ng-mga-karagdagang-covid-19-test-kits-sa-ph-doh",
        "https://www.philippinesnewsgazette.com/ph-receives-500-k-covid-19-test-kits-from-sokor/",
        "https://www.eaglenews.ph/ph-receives-u500k-worth-of-test-kits-from-south-korea/",
        "https://www.philstar.com/headlines/2020/07/29/2031374/south-korea-donates-covid-19-test-booths-masks-kits",
    )),
    Source("C2",
           "South Korea: test kits for the UAE, and other early exports", (
        "https://en.yna.co.kr/view/AEN20200317005600315",
        "https://koreaherald.com/view.php?ud=20200317000710",
        "http://world.kbs.co.kr/service/news_view.htm?lang=g&Seq_Code=79949",
        "https://www.arabnews.com/node/1643556/middle-east",
        "http://www.koreaherald.com/view.php?ud=20200325000961",
        "https://en.yna.co.kr/view/AEN20200422005100320",
        "https://www.born2global.com/press/fm-kang-korea-to-export-600000-test-kits-to-us/",
        "http://english.hani.co.kr/arti/english_edition/e_international/934855.html",
        "https://en.yna.co.kr/view/AEN20200407007500325",
    )),
    Source("C3",
           "South Korea: test-kit production capacity", (
        "http://m.koreabiomed.com/news/articleView.html?idxno=7736",
        "https://we-gov.org/wego-smart-health-responder/covid-19-testing-kits-1",
        "https://www.thenews.com.pk/print/635712-coronavirus-test-kits-pour-off-south-korean-production-line",
        "https://covid19english.prkorea.com/?p=483",
        "https://tipsmake.com/it-took-south-korea-only-3-weeks-to-produce-the-covid19-test-kit-and-this-is-their-secret-weapon",
        "https://newsarticleinsiders.com/list-of-south-korean-firms-manufacturing-coronavirus-test-kits",
    )),
    Source("C4",
           "South Korea: test-kit exports by month (customs values)", (
        "http://world.kbs.co.kr/service/news_view.htm?lang=g&Seq_Code=80721",
        "http://www.koreaherald.com/view.php?ud=20200507000874",
        "http://www.koreaherald.com/view.php?ud=20200819000889",
        "https://en.yna.co.kr/view/AEN20200422005100320",
        "https://www.urdupoint.com/en/world/s-koreas-exports-of-virus-test-kits-rebound-1031237.html",
        "https://m-en.yna.co.kr/view/AEN20201204003000320",
        "http://koreabizwire.com/s-korea-reports-more-than-8-fold-jump-in-exports-of-coronavirus-test-kits/159306",
    )),
    Source("C5",
           "South Korea: mask donations and export rules later in 2020", (
        "http://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=152542",
        "https://covid.ingsa.org/covid-19-policy-tracker/asia/south-korea/28-february-2020-limited-the-export-of-face-masks/",
        "http://www.koreaherald.com/view.php?ud=20200319000273",
        "https://ajudaily.com/view/20200424124353133",
        "http://www.koreaherald.com/view.php?ud=20200507000746",
        "http://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=153373",
        "https://asiamattersforamerica.org/articles/south-korea-sends-500-000-masks-to-us-korean-war-veterans",
        "http://itaewonblog.com/medical/korean-mask-support-to-united-nations-veterans/",
        "https://en.yna.co.kr/view/AEN20200910008000320?section=national/national",
        "http://www.koreaherald.com/view.php?ud=20200915000848",
        "https://en.yna.co.kr/view/AEN20210106002700325",
        "https://www.mofa.go.kr/eng/brd/m_5676/view.do?seq=321109",
        "https://en.yna.co.kr/view/AEN20200604007100325",
        "https://en.yna.co.kr/view/AEN20200716005500325",
        "http://world.kbs.co.kr/service/news_view.htm?lang=g&Seq_Code=81769",
        "https://www.ckba.org/2020/02/04/rok-government-extend-5-million-u-s-dollars-in-emergency-assistance/",
    )),
    Source("D",
           "Models and tools for allocating scarce medical supplies", (
        "https://www.medrxiv.org/content/10.1101/2020.04.02.20051078v2.full",
        "https://www.medrxiv.org/content/10.1101/2020.04.02.20051078v1.full",
        "https://news.northwestern.edu/stories/2020/04/new-planning-tool-to-help-states-estimate-ventilator-needs/&fj=1",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC7883965",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC8441649/",
        "https://bohrium.dp.tech/paper/arxiv/2102.07309",
        "https://paperswithcode.com/paper/optimal-resource-and-demand-redistribution",
        "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0241027",
        "https://distantreader.org/stacks/cord/cord-0848609-hryj98t2.txt",
        "https://optimization-online.org/2021/08/8528/",
        "https://distantreader.org/stacks/cord/cord-0551504-c5mqqkap.txt",
        "https://fdocuments.in/document/who-concept-for-fair-access-and-equitable-allocation-of-.html",
        "https://medbox.org/document/ravnopravnyy-dostup-k-medyko-sanytarnoy-produktsyy-dlya-borby-s-covid-19-y-ee-spravedlyvoe-raspredelenye-kontseptsyya-voz",
        "https://clevelandohioweatherforecast.com/php-proxy/index.php?q=https%3A%2F%2Fwww.scribd.com%2Fdocument%2F487224761%2Fallocation-of-covax-f-vaccines-explainer-v3-db",
        "https://www.sfgate.com/news/article/World-Health-Organization-unveils-plan-for-15583732.php",
        "https://news.northeastern.edu/2020/09/14/if-rich-countries-monopolize-covid-19-vaccines-it-could-cause-twice-as-many-deaths-as-distributing-them-equally/",
        "https://healthpolicy-watch.news/cooperative-vaccine-distribution-could-prevent-60-of-covid-deaths/",
        "https://www.networkscienceinstitute.org/news/global-vax",
        "https://www.imperial.ac.uk/mrc-global-infectious-disease-analysis/covid-19/report-33-vaccine/",
        "https://bvbvf1.bib-bvb.de/vufind/PrimoRecord/cdi_pubmedcentral_primary_oai_pubmedcentral_nih_gov_8030738/Description",
        "https://en.trend.az/world/3211085.html",
        "https://caribbeannewsglobal.com/covid-19-supply-chain-systems",
        "https://globalcioforum.com/with-resumption-of-flights-who-reports-increased-deliveries-of-critical-medical-supplies/",
        "https://en.wikipedia.org/wiki/UN_COVID-19_Supply_Chain_Task_Force",
    )),)

# A whole part of the record, cited as a letter ("[C]"): its sections together.
PARTS: tuple[Source, ...] = (
    Source("A", "Taiwan, 2020: masks (sections A1-A7)", ()),
    Source("B", "Jack Ma and Alibaba Foundations, 2020 (sections B1-B3)", ()),
    Source("C", "South Korea, 2020: test kits and masks (sections C1-C5)", ()),
)
BY_REF = {s.ref: s for s in (*PARTS, *SOURCES)}

# Outlets by web address, for the reader who wants a name rather than a domain.
OUTLETS = {
    "taiwannews.com.tw": "Taiwan News", "chinapost.nownews.com": "The China Post (CNA)",
    "taipeitimes.com": "Taipei Times", "en.yna.co.kr": "Yonhap", "m-en.yna.co.kr": "Yonhap",
    "koreaherald.com": "The Korea Herald", "world.kbs.co.kr": "KBS World",
    "businesswire.com": "Business Wire", "reuters.com": "Reuters",
    "japantimes.co.jp": "The Japan Times", "taiwantoday.tw": "Taiwan Today (MOFA)",
    "loc.gov": "Library of Congress, Global Legal Monitor", "cna.com.tw": "CNA",
    "scmp.com": "South China Morning Post", "abcnews.go.com": "ABC News",
    "formative.jmir.org": "JMIR Formative Research",
    "bmcpublichealth.biomedcentral.com": "BMC Public Health", "ettoday.net": "ETtoday",
    "discovery.ettoday.net": "ETtoday", "africa.cgtn.com": "CGTN Africa", "iol.co.za": "IOL",
    "allafrica.com": "AllAfrica (Xinhua)", "680news.com": "680 News (AP)",
    "arabnews.com": "Arab News", "english.hani.co.kr": "The Hankyoreh",
    "m.koreabiomed.com": "Korea Biomedical Review", "philstar.com": "The Philippine Star",
    "newsinfo.inquirer.net": "Philippine Daily Inquirer", "mofa.go.kr": "MOFA Korea",
    "pmc.ncbi.nlm.nih.gov": "PubMed Central", "medrxiv.org": "medRxiv",
    "journals.plos.org": "PLOS ONE", "en.wikipedia.org": "Wikipedia",
    "imperial.ac.uk": "Imperial College London", "ethiopianmonitor.com": "Ethiopian Monitor",
    "ena.et": "Ethiopian News Agency", "eturbonews.com": "eTurboNews",
    "indianexpress.com": "The Indian Express", "bernama.com": "Bernama",
    "thestar.com": "Toronto Star", "panpacificagency.com": "Pan Pacific Agency",
    "trade.gov.tw": "TAITRA", "sunrise.ug": "Sunrise (Uganda)",
}


def outlet(url: str) -> str:
    host = urlparse(url).netloc.removeprefix("www.")
    return OUTLETS.get(host, host)


_BRACKET = re.compile(r"\[([^\]]+)\]")
_REF = re.compile(r"(?<![A-Za-z0-9])([A-D])(\d)?(b)?(?:\s*[-\u2013]\s*\1?(\d))?(?![A-Za-z0-9])")


def cited(texts: Iterable[str]) -> list[str]:
    """The record's references in ``texts`` ("[A6]", "[record C2]", "[B1, B2]", "[B1-B3]",
    "[A2/CECC]"), in the order of SOURCES; labels such as [DERIVED] are not references."""
    found: set[str] = set()
    for text in texts:
        for inside in _BRACKET.findall(text):
            for letter, digit, b, upto in _REF.findall(inside):
                if upto and digit:
                    found.update(f"{letter}{k}" for k in range(int(digit), int(upto) + 1))
                else:
                    found.add(f"{letter}{digit}{b}")
    order = [*PARTS, *SOURCES]
    return [s.ref for s in order if s.ref in found] + sorted(found - set(BY_REF))


def markdown() -> str:
    """docs/sources.md: every reference with what it covers and its sources' addresses."""
    lines = ["# Sources of the record", "",
             "The scenarios cite the 2020 record by section: `[A6]` is section A6 below. Each "
             "section lists the pages its figures come from; the figures themselves, and "
             "what kind of figure each is, are in the scenario files beside their "
             "reference. Written from `sim/report/sources.py` "
             "(`python -m sim.report.sources > docs/sources.md`); the brief lists the "
             "sections it cites on its last pages.", "",
             "Labels used beside the figures:", ""]
    lines += [f"- **[{k}]**: {v}." for k, v in LABELS.items()]
    lines += ["", "A letter alone cites a whole part of the record:", ""]
    lines += [f"- **[{s.ref}]**: {s.title}." for s in PARTS]
    for s in SOURCES:
        lines += ["", f"## [{s.ref}] {s.title}", ""]
        lines += [f"- {outlet(u)}: <{u}>" for u in s.urls]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
